package org.sdj.pipeline;

import java.util.List;
import org.sdj.backend.Tensor;

/** Classifier-free guidance over a prediction of the unconditional then the conditional half, and its rescale. */
final class Guidance {
  private Guidance() {}

  /**
   * {@code uncond + scale * (cond - uncond)} over a prediction whose first half (of dim 0) is unconditional, then with
   * {@code rescale > 0} diffusers' {@code rescale_noise_cfg}.
   */
  static Tensor guide(StepLatents math, Tensor prediction, double scale, double rescale) {
    long half = prediction.dim(0) / 2;
    Tensor uncond = math.toFloat32(math.ops().narrow(prediction, 0, 0, half));
    Tensor cond = math.ops().narrow(prediction, 0, half, half);
    Tensor guided = math.combine(1f, uncond, (float) scale, math.combine(1f, cond, -1f, uncond));
    return rescale > 0 ? rescaled(math, guided, math.toFloat32(cond), rescale) : guided;
  }

  /**
   * Perturbed-attention guidance over a prediction of equal groups of rows, the unconditional (with {@code cfg}), the
   * conditional and the perturbed: {@code uncond + scale * (cond - uncond) + pagScale * (cond - perturbed)}, or
   * {@code cond + pagScale * (cond - perturbed)} without guidance, as diffusers' PAG pipelines; then with
   * {@code rescale > 0} (and guidance) diffusers' {@code rescale_noise_cfg} toward the conditional rows.
   */
  static Tensor perturbed(StepLatents math, Tensor prediction, boolean cfg, double scale, double pagScale,
      double rescale) {
    long rows = prediction.dim(0) / (cfg ? 3 : 2);
    Tensor cond = math.toFloat32(math.ops().narrow(prediction, 0, cfg ? rows : 0, rows));
    Tensor perturbed = math.ops().narrow(prediction, 0, (cfg ? 2 : 1) * rows, rows);
    Tensor base = cond;
    if (cfg) {
      Tensor uncond = math.toFloat32(math.ops().narrow(prediction, 0, 0, rows));
      base = math.combine(1f, uncond, (float) scale, math.combine(1f, cond, -1f, uncond));
    }
    Tensor guided = math.combine(1f, base, (float) pagScale, math.combine(1f, cond, -1f, perturbed));
    return cfg && rescale > 0 ? rescaled(math, guided, cond, rescale) : guided;
  }

  /**
   * A1111's composable guidance over a prediction of {@code 1 + K} equal groups of rows, the first unconditional:
   * {@code uncond + scale * sum(weights[k] * (cond_k - uncond))} (its {@code combine_denoised}, which A1111 applies to
   * the denoised samples; affine in the prediction, so the same on noise predictions).
   */
  static Tensor composed(StepLatents math, Tensor prediction, List<Double> weights, double scale) {
    long rows = prediction.dim(0) / (weights.size() + 1);
    Tensor uncond = math.toFloat32(math.ops().narrow(prediction, 0, 0, rows));
    Tensor guided = uncond;
    for (int k = 0; k < weights.size(); k++) {
      Tensor cond = math.ops().narrow(prediction, 0, (k + 1) * rows, rows);
      guided = math.combine(1f, guided, (float) (scale * weights.get(k)), math.combine(1f, cond, -1f, uncond));
    }
    return guided;
  }

  /**
   * diffusers' {@code rescale_noise_cfg} (Lin et al., "Common Diffusion Noise Schedules and Sample Steps are Flawed"):
   * each item of the guided prediction scaled towards the conditional prediction's standard deviation (torch's
   * unbiased {@code std} over the item), {@code rescale * guided * std(cond) / std(guided) + (1 - rescale) * guided}.
   * On the host: the standard deviations are reductions no backend op makes, so the step reads both back.
   */
  private static Tensor rescaled(StepLatents math, Tensor guided, Tensor cond, double rescale) {
    float[] g = math.ops().toHost(guided);
    float[] c = math.ops().toHost(cond);
    int items = Math.toIntExact(guided.dim(0));
    int n = g.length / items;
    for (int b = 0; b < items; b++) {
      double spread = std(g, b * n, n);
      // A flat prediction has nothing to rescale (diffusers would divide by zero).
      double factor = spread == 0 ? 1 : rescale * std(c, b * n, n) / spread + (1 - rescale);
      for (int i = b * n; i < (b + 1) * n; i++) {
        g[i] = (float) (g[i] * factor);
      }
    }
    return math.fromHost(g, guided.shape());
  }

  /** The unbiased standard deviation of {@code x[from, from + n)}. */
  private static double std(float[] x, int from, int n) {
    double mean = 0;
    for (int i = from; i < from + n; i++) {
      mean += x[i];
    }
    mean /= n;
    double squares = 0;
    for (int i = from; i < from + n; i++) {
      squares += (x[i] - mean) * (x[i] - mean);
    }
    return Math.sqrt(squares / (n - 1));
  }
}
