package org.sdj.backend.reference;

import org.sdj.backend.Conv2dParams;

/** Matrix products: linear layers, convolutions and attention, accumulated in double precision. */
final class Products {
  private Products() {}

  /** {@code y [rows, out] = x [rows, in] @ w [out, in]^T + bias + residual}. */
  static void linear(float[] x, float[] w, float[] bias, float[] residual, int rows, int in, int out, float[] y) {
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double s = bias == null ? 0 : bias[o];
        for (int i = 0; i < in; i++) {
          s += (double) x[r * in + i] * w[o * in + i];
        }
        if (residual != null) {
          s += residual[r * out + o];
        }
        y[r * out + o] = (float) s;
      }
    }
  }

  /** Cross-correlation, {@code x [N, C, H, W]}, {@code w [O, C, kh, kw]} -> {@code y [N, O, H', W']}. */
  static void conv2d(float[] x, long[] xs, float[] w, long[] ws, float[] bias, Conv2dParams p, float[] residual,
      long[] ys, float[] y) {
    int n = (int) xs[0];
    int c = (int) xs[1];
    int h = (int) xs[2];
    int wd = (int) xs[3];
    int o = (int) ws[0];
    int kh = (int) ws[2];
    int kw = (int) ws[3];
    int oh = (int) ys[2];
    int ow = (int) ys[3];
    int stride = p.stride();
    // One output plane is accumulated at a time, so that the innermost loop walks it contiguously.
    double[] acc = new double[oh * ow];
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < o; oc++) {
        java.util.Arrays.fill(acc, bias == null ? 0 : bias[oc]);
        for (int ic = 0; ic < c; ic++) {
          for (int ky = 0; ky < kh; ky++) {
            for (int kx = 0; kx < kw; kx++) {
              double wv = w[((oc * c + ic) * kh + ky) * kw + kx];
              for (int oy = 0; oy < oh; oy++) {
                int iy = oy * stride - p.padTop() + ky;
                if (iy < 0 || iy >= h) {
                  continue;
                }
                int row = ((b * c + ic) * h + iy) * wd;
                for (int ox = 0; ox < ow; ox++) {
                  int ix = ox * stride - p.padLeft() + kx;
                  if (ix >= 0 && ix < wd) {
                    acc[oy * ow + ox] += wv * x[row + ix];
                  }
                }
              }
            }
          }
        }
        int base = (b * o + oc) * oh * ow;
        for (int i = 0; i < acc.length; i++) {
          y[base + i] = (float) (acc[i] + (residual == null ? 0 : residual[base + i]));
        }
      }
    }
  }

  /**
   * {@code softmax(q k^T * scale) v} per batch and head; head {@code h} is columns {@code h*d .. h*d+d-1} of the
   * width-{@code width} rows. With {@code causal}, query {@code i} sees keys {@code 0..i}.
   */
  static void attention(float[] q, float[] k, float[] v, int batch, int nq, int nk, int width, int heads,
      float scale, boolean causal, float[] y) {
    int d = width / heads;
    double[] p = new double[nk];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < nq; i++) {
          int qRow = (b * nq + i) * width + h * d;
          int keys = causal ? Math.min(i + 1, nk) : nk;
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < keys; j++) {
            int kRow = (b * nk + j) * width + h * d;
            double s = 0;
            for (int c = 0; c < d; c++) {
              s += (double) q[qRow + c] * k[kRow + c];
            }
            p[j] = s * scale;
            max = Math.max(max, p[j]);
          }
          double sum = 0;
          for (int j = 0; j < keys; j++) {
            p[j] = Math.exp(p[j] - max);
            sum += p[j];
          }
          for (int c = 0; c < d; c++) {
            double s = 0;
            for (int j = 0; j < keys; j++) {
              s += p[j] * v[(b * nk + j) * width + h * d + c];
            }
            y[qRow + c] = (float) (s / sum);
          }
        }
      }
    }
  }
}
