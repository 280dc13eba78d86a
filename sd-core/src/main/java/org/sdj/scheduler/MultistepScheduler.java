package org.sdj.scheduler;

import java.util.OptionalDouble;

/**
 * Base of the exponential-integrator multistep solvers (DPM-Solver++, UniPC), which work in the data-prediction
 * (x0) form with {@code alpha_t = 1 / sqrt(sigma^2 + 1)}, {@code sigma_t = sigma * alpha_t} and the half-log-SNR
 * {@code lambda = log(alpha_t) - log(sigma_t)}.
 */
abstract class MultistepScheduler extends AbstractScheduler {
  /** Noise level per timestep plus the final one; float32 values. */
  double[] sigmas = new double[0];

  MultistepScheduler(NoiseSchedule schedule) {
    super(schedule);
  }

  abstract CommonConfig common();

  @Override
  public double[] sigmas() {
    return sigmas.clone();
  }

  static double alphaT(double sigma) {
    return (float) (1 / Math.sqrt(sigma * sigma + 1));
  }

  static double sigmaT(double sigma) {
    return (float) (sigma * alphaT(sigma));
  }

  static double lambda(double sigma) {
    return Math.log(alphaT(sigma)) - Math.log(sigmaT(sigma));
  }

  /** diffusers' convert_model_output in data-prediction mode: the x0 estimate at noise level {@code sigma}. */
  float[] dataPrediction(float[] modelOutput, float[] sample, double sigma) {
    float alpha = (float) alphaT(sigma);
    float sigmaT = (float) sigmaT(sigma);
    float[] x0 = new float[sample.length];
    for (int i = 0; i < x0.length; i++) {
      x0[i] = switch (common().predictionType()) {
        case EPSILON -> (sample[i] - sigmaT * modelOutput[i]) / alpha;
        case SAMPLE -> modelOutput[i];
        case V_PREDICTION -> alpha * sample[i] - sigmaT * modelOutput[i];
      };
    }
    return x0;
  }

  /** diffusers' convert_model_output in noise-prediction mode: the epsilon estimate at noise level {@code sigma}. */
  float[] noisePrediction(float[] modelOutput, float[] sample, double sigma) {
    float alpha = (float) alphaT(sigma);
    float sigmaT = (float) sigmaT(sigma);
    float[] eps = new float[sample.length];
    for (int i = 0; i < eps.length; i++) {
      eps[i] = switch (common().predictionType()) {
        case EPSILON -> modelOutput[i];
        case SAMPLE -> (sample[i] - alpha * modelOutput[i]) / sigmaT;
        case V_PREDICTION -> alpha * modelOutput[i] + sigmaT * sample[i];
      };
    }
    return eps;
  }

  /**
   * Sigmas of the given integer timesteps, or re-spaced noise levels with their timesteps mapped back to integers;
   * returns both, without the final sigma.
   *
   * @param roundRespaced round re-spaced timesteps to the nearest integer; otherwise they are truncated, as diffusers'
   *                      conversion to int64 does
   */
  SigmaScheduler.Layout layout(double[] timesteps, SigmaSpacing spacing, int steps, OptionalDouble sigmaMin,
      OptionalDouble sigmaMax, boolean roundRespaced) {
    double[] trainSigmas = schedule.trainSigmas();
    if (spacing == SigmaSpacing.TIMESTEPS) {
      return new SigmaScheduler.Layout(timesteps, Sigmas.atTimesteps(timesteps, trainSigmas));
    }
    double min = sigmaMin.orElse(trainSigmas[0]);
    double max = sigmaMax.orElse(trainSigmas[trainSigmas.length - 1]);
    double[] sigmas = Sigmas.respace(spacing, min, max, steps, null);
    double[] respaced = Sigmas.toTimesteps(sigmas, schedule.logTrainSigmas());
    for (int i = 0; i < respaced.length; i++) {
      respaced[i] = roundRespaced ? Math.rint(respaced[i]) : Math.floor(respaced[i]);
    }
    return new SigmaScheduler.Layout(respaced, sigmas);
  }

  @Override
  public float[] addNoise(float[] original, float[] noise, double timestep) {
    Latents.checkSameLength(original, noise, "noise");
    requireTimesteps();
    int index = !hasBeginIndex() ? indexOf(timestep, true) : stepIndex >= 0 ? stepIndex : beginIndex();
    double sigma = sigmas[index];
    return Latents.combine((float) alphaT(sigma), original, (float) sigmaT(sigma), noise);
  }
}
