package org.sdj.scheduler;

import java.util.List;

/**
 * The training noise schedule: betas and cumulative alpha products, held as float32 values because diffusers keeps
 * them in float32 tensors and everything downstream (timestep choice, sigmas) inherits their rounding.
 */
final class NoiseSchedule {
  /** How a zero-terminal-SNR schedule treats its last step, which would otherwise have alpha_cumprod = 0. */
  enum ZeroSnr {
    /** Ignore {@code rescale_betas_zero_snr} (PNDM, LMS, Heun). */
    IGNORED,
    /** Rescale and keep alpha_cumprod = 0 at the end (DDIM, DDPM, LCM). */
    RESCALE,
    /** Rescale, then lift the last alpha_cumprod to 2^-24 so that sigmas stay finite (sigma-based schedulers). */
    RESCALE_CLAMP_LAST
  }

  private final double[] alphasCumprod;

  NoiseSchedule(CommonConfig config, ZeroSnr zeroSnr) {
    double[] betas = betas(config);
    boolean rescale = config.rescaleBetasZeroSnr() && zeroSnr != ZeroSnr.IGNORED;
    if (rescale) {
      betas = rescaleZeroTerminalSnr(betas);
    }
    alphasCumprod = cumprod(betas);
    if (rescale && zeroSnr == ZeroSnr.RESCALE_CLAMP_LAST) {
      alphasCumprod[alphasCumprod.length - 1] = 0x1p-24;
    }
  }

  int size() {
    return alphasCumprod.length;
  }

  /** alpha_cumprod at an integer training timestep. */
  double alphaCumprod(int t) {
    return alphasCumprod[t];
  }

  /**
   * diffusers' {@code final_alpha_cumprod}, the alpha_cumprod a step to "before timestep 0" lands on: 1 with
   * {@code set_alpha_to_one}, else that of timestep 0.
   */
  double finalAlphaCumprod(boolean setAlphaToOne) {
    return setAlphaToOne ? 1.0 : alphasCumprod[0];
  }

  /** sigma = sqrt((1 - alpha_cumprod) / alpha_cumprod) per training timestep, rounded as torch does in float32. */
  double[] trainSigmas() {
    double[] sigmas = new double[alphasCumprod.length];
    for (int t = 0; t < sigmas.length; t++) {
      float a = (float) alphasCumprod[t];
      sigmas[t] = (float) Math.sqrt((1f - a) / a);
    }
    return sigmas;
  }

  /** The log of {@link #trainSigmas()}, in float32 as numpy computes it from a float32 array. */
  double[] logTrainSigmas() {
    double[] sigmas = trainSigmas();
    for (int t = 0; t < sigmas.length; t++) {
      sigmas[t] = (float) Math.log(sigmas[t]);
    }
    return sigmas;
  }

  /** The fractional training timestep of a sigma, interpolating linearly in log sigma (diffusers' _sigma_to_t). */
  static double sigmaToTimestep(double sigma, double[] logSigmas) {
    double logSigma = Math.log(Math.max(sigma, 1e-10));
    // The last index whose log sigma does not exceed ours, clipped so that a pair above it exists.
    int low = 0;
    for (int i = 0; i < logSigmas.length; i++) {
      if (logSigma - logSigmas[i] >= 0) {
        low = i;
      }
    }
    low = Math.min(low, logSigmas.length - 2);
    double lo = logSigmas[low];
    double hi = logSigmas[low + 1];
    double w = Math.clamp((lo - logSigma) / (lo - hi), 0.0, 1.0);
    return (1 - w) * low + w * (low + 1);
  }

  private static double[] betas(CommonConfig config) {
    int n = config.numTrainTimesteps();
    double[] betas = new double[n];
    List<Double> trained = config.trainedBetas();
    if (!trained.isEmpty()) {
      for (int i = 0; i < n; i++) {
        betas[i] = (float) (double) trained.get(i);
      }
      return betas;
    }
    switch (config.betaSchedule()) {
      case LINEAR -> {
        float[] line = torchLinspace((float) config.betaStart(), (float) config.betaEnd(), n);
        for (int i = 0; i < n; i++) {
          betas[i] = line[i];
        }
      }
      case SCALED_LINEAR -> {
        float[] line = torchLinspace((float) Math.sqrt(config.betaStart()), (float) Math.sqrt(config.betaEnd()), n);
        for (int i = 0; i < n; i++) {
          betas[i] = line[i] * line[i];
        }
      }
      case SQUAREDCOS_CAP_V2 -> {
        for (int i = 0; i < n; i++) {
          double t1 = (double) i / n;
          double t2 = (double) (i + 1) / n;
          betas[i] = (float) Math.min(1 - cosineAlphaBar(t2) / cosineAlphaBar(t1), 0.999);
        }
      }
    }
    return betas;
  }

  private static double cosineAlphaBar(double t) {
    double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
    return c * c;
  }

  /**
   * torch.linspace in float32 on the CPU: the first half counts up from the start, the second half down from the end,
   * each value one fused multiply-add.
   */
  private static float[] torchLinspace(float start, float end, int steps) {
    float[] out = new float[steps];
    float step = (end - start) / (steps - 1);
    int halfway = steps / 2;
    for (int i = 0; i < steps; i++) {
      out[i] = i < halfway ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (steps - 1 - i), end);
    }
    return out;
  }

  /** torch.cumprod of (1 - beta) in float32, which accumulates in double and rounds each product. */
  private static double[] cumprod(double[] betas) {
    double[] out = new double[betas.length];
    double acc = 1;
    for (int i = 0; i < betas.length; i++) {
      acc *= 1f - (float) betas[i];
      out[i] = (float) acc;
    }
    return out;
  }

  /** Lin et al. (2023), "Common Diffusion Noise Schedules and Sample Steps are Flawed", algorithm 1. */
  private static double[] rescaleZeroTerminalSnr(double[] betas) {
    double[] sqrtBar = cumprod(betas);
    for (int i = 0; i < sqrtBar.length; i++) {
      sqrtBar[i] = Math.sqrt(sqrtBar[i]);
    }
    double first = sqrtBar[0];
    double last = sqrtBar[sqrtBar.length - 1];
    double[] out = new double[betas.length];
    double previousBar = 0;
    for (int i = 0; i < sqrtBar.length; i++) {
      double shifted = (sqrtBar[i] - last) * (first / (first - last));
      double bar = shifted * shifted;
      double alpha = i == 0 ? bar : bar / previousBar;
      out[i] = (float) (1 - alpha);
      previousBar = bar;
    }
    return out;
  }
}
