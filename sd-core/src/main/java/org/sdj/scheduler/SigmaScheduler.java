package org.sdj.scheduler;

import java.util.OptionalDouble;

/**
 * Base of the k-diffusion style schedulers (Euler, Euler Ancestral, LMS, Heun), which walk down a list of noise
 * levels: the model sees {@code x / sqrt(sigma^2 + 1)} and noising adds {@code sigma * noise}.
 */
abstract class SigmaScheduler<C extends SchedulerConfig> extends AbstractScheduler<C> {
  /** Noise level per timestep plus the final one; float32 values. */
  double[] sigmas = new double[0];

  SigmaScheduler(C config, NoiseSchedule.ZeroSnr zeroSnr) {
    super(config, zeroSnr);
  }

  @Override
  public double[] sigmas() {
    return sigmas.clone();
  }

  /** Installs timesteps and sigmas computed by {@code setTimesteps}. */
  void install(double[] newTimesteps, double[] newSigmas, int steps) {
    resetSteps(newTimesteps, steps);
    sigmas = newSigmas;
  }

  @Override
  public double initNoiseSigma() {
    double max = 0;
    for (double sigma : sigmas.length > 0 ? sigmas : schedule.trainSigmas()) {
      max = Math.max(max, sigma);
    }
    TimestepSpacing spacing = common().timestepSpacing();
    if (spacing == TimestepSpacing.LINSPACE || spacing == TimestepSpacing.TRAILING) {
      return max;
    }
    return (float) Math.sqrt(max * max + 1);
  }

  @Override
  public <L> L scaleModelInput(LatentMath<L> math, L sample, double timestep) {
    float sigma = (float) sigmas[currentStepIndex(timestep, false)];
    return math.scale(sample, 1f / (float) Math.sqrt(sigma * sigma + 1f));
  }

  /** The denoised estimate for epsilon, v or sample prediction at noise level {@code sigma}. */
  <L> L originalSample(LatentMath<L> math, L modelOutput, L sample, float sigma) {
    return switch (common().predictionType()) {
      case EPSILON -> math.combine(1f, sample, -sigma, modelOutput);
      case V_PREDICTION -> math.combine((float) (-sigma / Math.sqrt(sigma * sigma + 1f)), modelOutput,
          1f / (sigma * sigma + 1f), sample);
      case SAMPLE -> modelOutput;
    };
  }

  /** {@code (sample - x0) / sigma}: the ODE's direction at this noise level. */
  static <L> L derivative(LatentMath<L> math, L sample, L x0, float sigma) {
    return math.combine(1f / sigma, sample, -1f / sigma, x0);
  }

  @Override
  public float[] addNoise(float[] original, float[] noise, double timestep) {
    checkSameSize(LatentMath.HOST, original, noise, "noise");
    requireTimesteps();
    int index = !hasBeginIndex() ? indexOf(timestep, false) : stepIndex >= 0 ? stepIndex : beginIndex();
    return LatentMath.HOST.combine(1f, original, (float) sigmas[index], noise);
  }

  /** Sigma schedule of the chosen timesteps, re-spaced if asked, with diffusers' timestep re-derivation. */
  record Layout(double[] timesteps, double[] sigmas) {}

  Layout layout(int steps, SigmaSpacing spacing, OptionalDouble sigmaMin,
      OptionalDouble sigmaMax) {
    double[] timesteps = Timesteps.fractional(common(), steps);
    double[] trainSigmas = schedule.trainSigmas();
    double[] sigmas = Sigmas.atTimesteps(timesteps, trainSigmas);
    if (spacing != SigmaSpacing.TIMESTEPS) {
      double min = sigmaMin.orElse(sigmas[sigmas.length - 1]);
      double max = sigmaMax.orElse(sigmas[0]);
      sigmas = Sigmas.respace(spacing, min, max, steps, sigmas);
      timesteps = Timesteps.toFloat32(Sigmas.toTimesteps(sigmas, schedule.logTrainSigmas()));
    }
    return new Layout(timesteps, sigmas);
  }
}
