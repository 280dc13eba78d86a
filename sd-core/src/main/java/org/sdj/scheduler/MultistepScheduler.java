package org.sdj.scheduler;

import java.util.OptionalDouble;

/**
 * Base of the exponential-integrator multistep solvers (DPM-Solver++, UniPC), which work in the data-prediction
 * (x0) form with {@code alpha_t = 1 / sqrt(sigma^2 + 1)}, {@code sigma_t = sigma * alpha_t} and the half-log-SNR
 * {@code lambda = log(alpha_t) - log(sigma_t)}.
 */
abstract class MultistepScheduler<C extends SchedulerConfig> extends AbstractScheduler<C> {
  /** Noise level per timestep plus the final one; float32 values. */
  double[] sigmas = new double[0];

  MultistepScheduler(C config, NoiseSchedule.ZeroSnr zeroSnr) {
    super(config, zeroSnr);
  }

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
  <L> L dataPrediction(LatentMath<L> math, L modelOutput, L sample, double sigma) {
    float alpha = (float) alphaT(sigma);
    float sigmaT = (float) sigmaT(sigma);
    return switch (common().predictionType()) {
      case EPSILON -> math.combine(1f / alpha, sample, -sigmaT / alpha, modelOutput);
      case SAMPLE -> modelOutput;
      case V_PREDICTION -> math.combine(alpha, sample, -sigmaT, modelOutput);
    };
  }

  /** diffusers' convert_model_output in noise-prediction mode: the epsilon estimate at noise level {@code sigma}. */
  <L> L noisePrediction(LatentMath<L> math, L modelOutput, L sample, double sigma) {
    float alpha = (float) alphaT(sigma);
    float sigmaT = (float) sigmaT(sigma);
    return switch (common().predictionType()) {
      case EPSILON -> modelOutput;
      case SAMPLE -> math.combine(1f / sigmaT, sample, -alpha / sigmaT, modelOutput);
      case V_PREDICTION -> math.combine(alpha, modelOutput, sigmaT, sample);
    };
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
    checkSameSize(LatentMath.HOST, original, noise, "noise");
    requireTimesteps();
    int index = !hasBeginIndex() ? indexOf(timestep, true) : stepIndex >= 0 ? stepIndex : beginIndex();
    double sigma = sigmas[index];
    return LatentMath.HOST.combine((float) alphaT(sigma), original, (float) sigmaT(sigma), noise);
  }
}
