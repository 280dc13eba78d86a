package org.sdj.cuda;

/**
 * Host references for the FlashAttention accuracy rule, on one head {@code q [n, d]}, {@code k, v [m, d]}: the exact
 * result in double precision, and a naive float16 implementation (what an unfused fp16 framework computes) that rounds
 * to float16 where such an implementation stores a tensor: the scores, the probabilities and the output.
 */
final class NaiveAttention {
  private NaiveAttention() {}

  static double[] exact(float[] q, float[] k, float[] v, int n, int m, int d, float scale, boolean causal) {
    double[] out = new double[n * d];
    double[] s = new double[m];
    for (int i = 0; i < n; i++) {
      int end = causal ? Math.min(m, i + 1) : m;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < end; j++) {
        double dot = 0;
        for (int c = 0; c < d; c++) {
          dot += (double) q[i * d + c] * k[j * d + c];
        }
        s[j] = dot * scale;
        max = Math.max(max, s[j]);
      }
      double sum = 0;
      for (int j = 0; j < end; j++) {
        s[j] = Math.exp(s[j] - max);
        sum += s[j];
      }
      for (int j = 0; j < end; j++) {
        for (int c = 0; c < d; c++) {
          out[i * d + c] += s[j] / sum * v[j * d + c];
        }
      }
    }
    return out;
  }

  static double[] fp16(float[] q, float[] k, float[] v, int n, int m, int d, float scale, boolean causal) {
    double[] out = new double[n * d];
    float[] s = new float[m];
    for (int i = 0; i < n; i++) {
      int end = causal ? Math.min(m, i + 1) : m;
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < end; j++) {
        float dot = 0;
        for (int c = 0; c < d; c++) {
          dot += q[i * d + c] * k[j * d + c];
        }
        s[j] = round(round(dot) * round(scale));
        max = Math.max(max, s[j]);
      }
      float sum = 0;
      for (int j = 0; j < end; j++) {
        s[j] = (float) Math.exp(s[j] - max);
        sum += s[j];
      }
      for (int j = 0; j < end; j++) {
        s[j] = round(s[j] / sum);
      }
      for (int c = 0; c < d; c++) {
        float acc = 0;
        for (int j = 0; j < end; j++) {
          acc += s[j] * v[j * d + c];
        }
        out[i * d + c] = round(acc);
      }
    }
    return out;
  }

  static float round(float x) {
    return Float.float16ToFloat(Float.floatToFloat16(x));
  }

  /** {@code ||a - ref|| / ||ref||}. */
  static double relativeError(double[] a, double[] ref) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < ref.length; i++) {
      diff += (a[i] - ref[i]) * (a[i] - ref[i]);
      norm += ref[i] * ref[i];
    }
    return Math.sqrt(diff / norm);
  }
}
