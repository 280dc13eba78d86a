package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.OptionalDouble;

/**
 * Euler's method on the probability-flow ODE (Karras et al., 2022, algorithm 2 without churn), diffusers'
 * {@code EulerDiscreteScheduler}. Deterministic. One instance serves one generation.
 */
public final class EulerDiscreteScheduler extends SigmaScheduler<EulerDiscreteScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.0001, 0.02, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);

  /**
   * @param common       shared fields
   * @param sigmaSpacing {@code use_karras_sigmas} / {@code use_exponential_sigmas}
   * @param sigmaMin     {@code sigma_min}: lower bound of re-spaced sigmas; empty for the schedule's own
   * @param sigmaMax     {@code sigma_max}: upper bound of re-spaced sigmas; empty for the schedule's own
   * @param finalSigma   {@code final_sigmas_type}
   */
  public record Config(CommonConfig common, SigmaSpacing sigmaSpacing, OptionalDouble sigmaMin,
      OptionalDouble sigmaMax, FinalSigma finalSigma) implements SchedulerConfig, SigmaSpacedConfig {
    /** Reads a {@code scheduler_config.json} with diffusers' Euler defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "EulerDiscreteScheduler");
      String interpolation = r.text("interpolation_type", "linear");
      if (!interpolation.equals("linear")) {
        throw r.unsupported("interpolation_type", interpolation);
      }
      String timestepType = r.text("timestep_type", "discrete");
      if (!timestepType.equals("discrete")) {
        throw r.unsupported("timestep_type", timestepType);
      }
      return new Config(CommonConfig.read(r, DEFAULTS), r.sigmaSpacing(), r.optionalNumber("sigma_min"),
          r.optionalNumber("sigma_max"), r.choice("final_sigmas_type", FinalSigma.class, FinalSigma.ZERO));
    }

    @Override
    public String className() {
      return "EulerDiscreteScheduler";
    }
  }


  public EulerDiscreteScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.RESCALE_CLAMP_LAST);
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    Layout layout = layout(numInferenceSteps, config.sigmaSpacing(), config.sigmaMin(), config.sigmaMax());
    double last = config.finalSigma() == FinalSigma.SIGMA_MIN ? schedule.trainSigmas()[0] : 0.0;
    install(layout.timesteps(), Sigmas.withFinal(layout.sigmas(), last), numInferenceSteps);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, false);
    float sigma = (float) sigmas[index];
    L x0 = originalSample(math, modelOutput, sample, sigma);
    L derivative = derivative(math, sample, x0, sigma);
    float dt = (float) sigmas[index + 1] - sigma;
    stepIndex++;
    return new StepResult<>(math.combine(1f, sample, dt, derivative), x0);
  }
}
