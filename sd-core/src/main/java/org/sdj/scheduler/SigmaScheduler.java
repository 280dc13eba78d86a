package org.sdj.scheduler;

import java.util.OptionalDouble;
import java.util.function.IntToDoubleFunction;

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
    if (spacing != TimestepSpacing.LEADING) {
      return max;
    }
    return (float) Math.sqrt(max * max + 1);
  }

  @Override
  public <L> L scaleModelInput(LatentMath<L> math, L sample, double timestep) {
    return inputAt(math, sample, (float) sigmas[currentStepIndex(timestep, false)]);
  }

  /** {@code sample / sqrt(sigma^2 + 1)}: what the model sees of a sample at noise level {@code sigma}. */
  static <L> L inputAt(LatentMath<L> math, L sample, float sigma) {
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

  /**
   * Installs the layout of schedulers that call the model twice per step but the last (Heun's, DPM++ SDE's):
   * timesteps {@code [t0, second(1), t1, second(2), t2, ..., t_{n-1}]} as float32, and each level but the first and
   * the final zero twice, {@code [s0, s1, s1, ..., s_{n-1}, s_{n-1}, 0]}.
   *
   * @param second the timestep of step {@code i}'s second call, for {@code i} in {@code 1..n-1}
   */
  void installPaired(Layout layout, IntToDoubleFunction second, int steps) {
    double[] levels = Sigmas.withFinal(layout.sigmas(), 0.0);
    double[] ts = layout.timesteps();
    double[] pairedSigmas = new double[2 * levels.length - 2];
    double[] pairedTimesteps = new double[2 * ts.length - 1];
    pairedSigmas[0] = levels[0];
    pairedTimesteps[0] = (float) ts[0];
    for (int i = 1; i < levels.length - 1; i++) {
      pairedSigmas[2 * i - 1] = levels[i];
      pairedSigmas[2 * i] = levels[i];
    }
    pairedSigmas[pairedSigmas.length - 1] = levels[levels.length - 1];
    for (int i = 1; i < ts.length; i++) {
      pairedTimesteps[2 * i - 1] = (float) second.applyAsDouble(i);
      pairedTimesteps[2 * i] = (float) ts[i];
    }
    install(pairedTimesteps, pairedSigmas, steps);
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
