package org.sdj.scheduler;

import java.util.OptionalDouble;

/**
 * Base of the k-diffusion style schedulers (Euler, Euler Ancestral, LMS, Heun), which walk down a list of noise
 * levels: the model sees {@code x / sqrt(sigma^2 + 1)} and noising adds {@code sigma * noise}.
 */
abstract class SigmaScheduler extends AbstractScheduler {
  /** Noise level per timestep plus the final one; float32 values. */
  double[] sigmas = new double[0];

  SigmaScheduler(NoiseSchedule schedule) {
    super(schedule);
  }

  @Override
  public double[] sigmas() {
    return sigmas.clone();
  }

  abstract CommonConfig common();

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
  public float[] scaleModelInput(float[] sample, double timestep) {
    float sigma = (float) sigmas[currentStepIndex(timestep, false)];
    float scale = (float) Math.sqrt(sigma * sigma + 1f);
    float[] out = new float[sample.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = sample[i] / scale;
    }
    return out;
  }

  /** The denoised estimate for epsilon, v or sample prediction at noise level {@code sigma}. */
  float[] originalSample(float[] modelOutput, float[] sample, float sigma) {
    float vScale = (float) (-sigma / Math.sqrt(sigma * sigma + 1f));
    float vSample = 1f / (sigma * sigma + 1f);
    float[] x0 = new float[sample.length];
    for (int i = 0; i < x0.length; i++) {
      x0[i] = switch (common().predictionType()) {
        case EPSILON -> sample[i] - sigma * modelOutput[i];
        case V_PREDICTION -> modelOutput[i] * vScale + sample[i] * vSample;
        case SAMPLE -> modelOutput[i];
      };
    }
    return x0;
  }

  /** {@code (sample - x0) / sigma}: the ODE's direction at this noise level. */
  static float[] derivative(float[] sample, float[] x0, float sigma) {
    float[] d = new float[sample.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = (sample[i] - x0[i]) / sigma;
    }
    return d;
  }

  @Override
  public float[] addNoise(float[] original, float[] noise, double timestep) {
    Latents.checkSameLength(original, noise, "noise");
    requireTimesteps();
    int index = !hasBeginIndex() ? indexOf(timestep, false) : stepIndex >= 0 ? stepIndex : beginIndex();
    return Latents.addScaled(original, noise, (float) sigmas[index]);
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
