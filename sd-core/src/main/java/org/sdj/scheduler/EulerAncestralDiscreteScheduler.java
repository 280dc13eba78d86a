package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.OptionalDouble;
import org.sdj.SdjException;

/**
 * Euler ancestral sampling, diffusers' {@code EulerAncestralDiscreteScheduler}: an Euler step down to a lower noise
 * level, then fresh noise back up to the next one. Draws noise of the sample's size at every step (including the
 * last, where it is scaled by zero), so a {@code TorchGenerator} reproduces diffusers' results for the same seed.
 * One instance serves one generation.
 */
public final class EulerAncestralDiscreteScheduler extends SigmaScheduler<EulerAncestralDiscreteScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.0001, 0.02, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);

  /** @param common shared fields ({@code prediction_type} {@code sample} is not supported, as in diffusers) */
  public record Config(CommonConfig common) implements SchedulerConfig {
    public Config {
      if (common.predictionType() == PredictionType.SAMPLE) {
        throw new SdjException("EulerAncestralDiscreteScheduler config key 'prediction_type' = sample is not "
            + "supported: use epsilon or v_prediction");
      }
    }

    /** Reads a {@code scheduler_config.json} with diffusers' Euler Ancestral defaults. */
    public static Config from(JsonNode json) {
      return new Config(CommonConfig.read(new ConfigReader(json, "EulerAncestralDiscreteScheduler"), DEFAULTS));
    }

    @Override
    public String className() {
      return "EulerAncestralDiscreteScheduler";
    }
  }


  public EulerAncestralDiscreteScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.RESCALE_CLAMP_LAST);
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    Layout layout = layout(numInferenceSteps, SigmaSpacing.TIMESTEPS, OptionalDouble.empty(), OptionalDouble.empty());
    install(layout.timesteps(), Sigmas.withFinal(layout.sigmas(), 0.0), numInferenceSteps);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, false);
    float sigmaFrom = (float) sigmas[index];
    float sigmaTo = (float) sigmas[index + 1];
    L x0 = originalSample(math, modelOutput, sample, sigmaFrom);
    float sigmaUp = (float) Math.sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)
        / (sigmaFrom * sigmaFrom));
    float sigmaDown = (float) Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
    L derivative = derivative(math, sample, x0, sigmaFrom);
    L prev = math.combine(1f, sample, sigmaDown - sigmaFrom, derivative);
    prev = math.combine(1f, prev, sigmaUp, math.noise(noise, sample));
    stepIndex++;
    return new StepResult<>(prev, x0);
  }
}
