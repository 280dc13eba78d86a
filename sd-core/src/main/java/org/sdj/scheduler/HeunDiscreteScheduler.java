package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.OptionalDouble;

/**
 * Heun's second-order method (Karras et al., 2022, algorithm 1), diffusers' {@code HeunDiscreteScheduler}: two model
 * calls per step, so {@link #timesteps()} has {@code 2n - 1} entries and the loop calls the model once per entry.
 * Deterministic. One instance serves one generation.
 */
public final class HeunDiscreteScheduler extends SigmaScheduler<HeunDiscreteScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.00085, 0.012, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);

  /**
   * @param common          shared fields ({@code rescale_betas_zero_snr} is ignored, as in diffusers)
   * @param sigmaSpacing    {@code use_karras_sigmas} / {@code use_exponential_sigmas}
   * @param clipSample      {@code clip_sample}: clamp the x0 estimate to {@code [-clipSampleRange, clipSampleRange]}
   * @param clipSampleRange {@code clip_sample_range}
   */
  public record Config(CommonConfig common, SigmaSpacing sigmaSpacing, boolean clipSample, double clipSampleRange)
      implements SchedulerConfig, SigmaSpacedConfig {
    /** Reads a {@code scheduler_config.json} with diffusers' Heun defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "HeunDiscreteScheduler");
      return new Config(CommonConfig.read(r, DEFAULTS), r.sigmaSpacing(), r.bool("clip_sample", false),
          r.number("clip_sample_range", 1.0));
    }

    @Override
    public String className() {
      return "HeunDiscreteScheduler";
    }
  }

  /** Set between the two calls of a step: the first call's step size. */
  private float stepSize;

  public HeunDiscreteScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.IGNORED);
  }

  @Override
  public int order() {
    return 2;
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    Layout layout = layout(numInferenceSteps, config.sigmaSpacing(), OptionalDouble.empty(), OptionalDouble.empty());
    // Every noise level but the first and the final zero is visited twice: once per call of Heun's pair.
    installPaired(layout, i -> layout.timesteps()[i], numInferenceSteps);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, false);
    HeunPair<L> pair = state(math, HeunPair::new);
    boolean firstCall = pair.empty();
    float sigma = (float) (firstCall ? sigmas[index] : sigmas[index - 1]);
    float sigmaNext = (float) (firstCall ? sigmas[index + 1] : sigmas[index]);
    L x0 = originalSample(math, modelOutput, sample, firstCall ? sigma : sigmaNext);
    if (config.clipSample()) {
      x0 = math.clamp(x0, (float) config.clipSampleRange());
    }
    L prev;
    if (firstCall) {
      pair.firstDerivative = derivative(math, sample, x0, sigma);
      stepSize = sigmaNext - sigma;
      pair.firstSample = sample;
      prev = math.combine(1f, sample, stepSize, pair.firstDerivative);
    } else {
      L second = derivative(math, sample, x0, sigmaNext);
      L average = math.combine(0.5f, pair.firstDerivative, 0.5f, second);
      prev = math.combine(1f, pair.firstSample, stepSize, average);
      pair.clear();
    }
    stepIndex++;
    return new StepResult<>(prev, x0);
  }
}
