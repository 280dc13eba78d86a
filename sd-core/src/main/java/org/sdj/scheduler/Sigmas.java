package org.sdj.scheduler;

/** Noise-level arithmetic shared by the sigma-based schedulers, in float64 as diffusers does it with numpy. */
final class Sigmas {
  private static final double KARRAS_RHO = 7.0;

  private Sigmas() {}

  /** numpy.interp of the training sigmas (indexed by integer timestep) at possibly fractional timesteps. */
  static double[] atTimesteps(double[] timesteps, double[] trainSigmas) {
    double[] out = new double[timesteps.length];
    int last = trainSigmas.length - 1;
    for (int i = 0; i < timesteps.length; i++) {
      double t = timesteps[i];
      if (t <= 0) {
        out[i] = trainSigmas[0];
      } else if (t >= last) {
        out[i] = trainSigmas[last];
      } else {
        int lo = (int) Math.floor(t);
        double slope = trainSigmas[lo + 1] - trainSigmas[lo];
        out[i] = slope * (t - lo) + trainSigmas[lo];
      }
    }
    return out;
  }

  /** Karras et al. (2022) noise levels from {@code sigmaMax} down to {@code sigmaMin}. */
  static double[] karras(double sigmaMin, double sigmaMax, int steps) {
    double[] ramp = Timesteps.linspace(0, 1, steps);
    double minInvRho = Math.pow(sigmaMin, 1 / KARRAS_RHO);
    double maxInvRho = Math.pow(sigmaMax, 1 / KARRAS_RHO);
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), KARRAS_RHO);
    }
    return out;
  }

  /** Noise levels evenly spaced in log sigma, from {@code sigmaMax} down to {@code sigmaMin}. */
  static double[] exponential(double sigmaMin, double sigmaMax, int steps) {
    double[] logs = Timesteps.linspace(Math.log(sigmaMax), Math.log(sigmaMin), steps);
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = Math.exp(logs[i]);
    }
    return out;
  }

  /** Beta-distributed noise levels from {@code sigmaMax} down to {@code sigmaMin}, as diffusers' {@code _convert_to_beta}. */
  static double[] beta(double sigmaMin, double sigmaMax, int steps) {
    double[] ramp = Timesteps.linspace(0, 1, steps);
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = sigmaMin + BetaDistribution.quantile(1 - ramp[i], 0.6, 0.6) * (sigmaMax - sigmaMin);
    }
    return out;
  }

  /** NVIDIA's Align Your Steps levels for SD 1.5 and for SDXL, as AUTOMATIC1111 lists them. */
  private static final double[] AYS_SD15 = {14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152,
      0.029};
  private static final double[] AYS_SDXL = {14.615, 6.315, 3.771, 2.181, 1.342, 0.862, 0.555, 0.380, 0.234, 0.113,
      0.029};

  /**
   * A1111's {@code loglinear_interp} of {@code levels} to {@code steps} levels: their logs, read smallest first at
   * evenly spaced positions, interpolated at {@code steps} evenly spaced ones (the levels themselves for eleven).
   */
  static double[] alignYourSteps(double[] levels, int steps) {
    int n = levels.length;
    double[] xs = Timesteps.linspace(0, 1, n);
    double[] ys = new double[n];
    for (int i = 0; i < n; i++) {
      ys[i] = Math.log(levels[n - 1 - i]);
    }
    double[] at = Timesteps.linspace(0, 1, steps);
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      double x = at[i];
      int k = 0;
      while (k < n - 2 && x > xs[k + 1]) {
        k++;
      }
      double y = x <= xs[0] ? ys[0] : x >= xs[n - 1] ? ys[n - 1]
          : ys[k] + (x - xs[k]) * (ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k]);
      out[steps - 1 - i] = Math.exp(y);
    }
    return out;
  }

  /** Re-spaces {@code sigmas} (largest first) as the spacing asks, between the given bounds. */
  static double[] respace(SigmaSpacing spacing, double sigmaMin, double sigmaMax, int steps, double[] sigmas) {
    return switch (spacing) {
      case TIMESTEPS -> sigmas;
      case KARRAS -> karras(sigmaMin, sigmaMax, steps);
      case EXPONENTIAL -> exponential(sigmaMin, sigmaMax, steps);
      case BETA -> beta(sigmaMin, sigmaMax, steps);
      case ALIGN_YOUR_STEPS -> alignYourSteps(AYS_SD15, steps);
      case ALIGN_YOUR_STEPS_SDXL -> alignYourSteps(AYS_SDXL, steps);
    };
  }

  /** Fractional training timesteps of the given sigmas. */
  static double[] toTimesteps(double[] sigmas, double[] logTrainSigmas) {
    double[] out = new double[sigmas.length];
    for (int i = 0; i < sigmas.length; i++) {
      out[i] = NoiseSchedule.sigmaToTimestep(sigmas[i], logTrainSigmas);
    }
    return out;
  }

  /** Appends the final noise level and rounds everything to float32, as diffusers stores sigmas. */
  static double[] withFinal(double[] sigmas, double last) {
    double[] out = new double[sigmas.length + 1];
    for (int i = 0; i < sigmas.length; i++) {
      out[i] = (float) sigmas[i];
    }
    out[sigmas.length] = (float) last;
    return out;
  }
}
