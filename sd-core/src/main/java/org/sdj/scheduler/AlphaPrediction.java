package org.sdj.scheduler;

/**
 * Converts a model output into the denoised sample (x0) and the noise (epsilon) at a training step with cumulative
 * alpha {@code alphaProd}, for each prediction type; used by the alpha-based schedulers (DDIM, DDPM, LCM, PNDM).
 */
final class AlphaPrediction {
  private AlphaPrediction() {}

  static <L> L originalSample(LatentMath<L> math, PredictionType type, L modelOutput, L sample, float alphaProd) {
    float sqrtAlpha = (float) Math.sqrt(alphaProd);
    float sqrtBeta = (float) Math.sqrt(1f - alphaProd);
    return switch (type) {
      case EPSILON -> math.combine(1f / sqrtAlpha, sample, -sqrtBeta / sqrtAlpha, modelOutput);
      case SAMPLE -> modelOutput;
      case V_PREDICTION -> math.combine(sqrtAlpha, sample, -sqrtBeta, modelOutput);
    };
  }

  /** Epsilon implied by the sample and an x0 estimate. */
  static <L> L epsilon(LatentMath<L> math, PredictionType type, L modelOutput, L sample, L x0, float alphaProd) {
    float sqrtAlpha = (float) Math.sqrt(alphaProd);
    float sqrtBeta = (float) Math.sqrt(1f - alphaProd);
    return switch (type) {
      case EPSILON -> modelOutput;
      case SAMPLE -> math.combine(1f / sqrtBeta, sample, -sqrtAlpha / sqrtBeta, x0);
      case V_PREDICTION -> math.combine(sqrtAlpha, modelOutput, sqrtBeta, sample);
    };
  }
}
