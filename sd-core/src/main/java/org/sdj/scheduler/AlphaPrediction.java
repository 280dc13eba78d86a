package org.sdj.scheduler;

/**
 * Converts a model output into the denoised sample (x0) and the noise (epsilon) at a training step with cumulative
 * alpha {@code alphaProd}, for each prediction type; used by the alpha-based schedulers (DDIM, DDPM, LCM).
 */
final class AlphaPrediction {
  private AlphaPrediction() {}

  static float[] originalSample(PredictionType type, float[] modelOutput, float[] sample, float alphaProd) {
    float sqrtAlpha = (float) Math.sqrt(alphaProd);
    float sqrtBeta = (float) Math.sqrt(1f - alphaProd);
    float[] x0 = new float[sample.length];
    for (int i = 0; i < x0.length; i++) {
      x0[i] = switch (type) {
        case EPSILON -> (sample[i] - sqrtBeta * modelOutput[i]) / sqrtAlpha;
        case SAMPLE -> modelOutput[i];
        case V_PREDICTION -> sqrtAlpha * sample[i] - sqrtBeta * modelOutput[i];
      };
    }
    return x0;
  }

  /** Epsilon implied by the sample and an x0 estimate. */
  static float[] epsilon(PredictionType type, float[] modelOutput, float[] sample, float[] x0, float alphaProd) {
    float sqrtAlpha = (float) Math.sqrt(alphaProd);
    float sqrtBeta = (float) Math.sqrt(1f - alphaProd);
    float[] eps = new float[sample.length];
    for (int i = 0; i < eps.length; i++) {
      eps[i] = switch (type) {
        case EPSILON -> modelOutput[i];
        case SAMPLE -> (sample[i] - sqrtAlpha * x0[i]) / sqrtBeta;
        case V_PREDICTION -> sqrtAlpha * modelOutput[i] + sqrtBeta * sample[i];
      };
    }
    return eps;
  }
}
