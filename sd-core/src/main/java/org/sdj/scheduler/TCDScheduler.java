package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import org.sdj.SdjException;

/**
 * Trajectory consistency distillation sampling (Zheng et al., 2024), diffusers' {@code TCDScheduler}: the sampler of
 * TCD and Hyper-SD LoRAs. Each step predicts the sample at an earlier timestep {@code s = floor((1 - eta) t')} of the
 * next one {@code t'} and, with {@code eta > 0} and on every step but the last, re-noises it to {@code t'} with fresh
 * noise; {@code eta = 0} is deterministic. LCM's timestep schedule. One instance serves one generation.
 */
public final class TCDScheduler extends AbstractScheduler<TCDScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.00085, 0.012, BetaSchedule.SCALED_LINEAR, TimestepSpacing.LEADING);

  /**
   * @param common                 shared fields ({@code timestep_spacing} and {@code steps_offset} are unused, as in
   *                               diffusers)
   * @param originalInferenceSteps {@code original_inference_steps}: the distillation schedule the steps pick from
   * @param eta                    the paper's gamma in [0, 1]: how much of each step is re-noised (a step argument in
   *                               diffusers, 0.3 by default; sdj reads it from the config key {@code eta})
   */
  public record Config(CommonConfig common, int originalInferenceSteps, double eta) implements SchedulerConfig {
    public Config {
      Timesteps.checkOriginalSteps("TCDScheduler", originalInferenceSteps, common);
      if (!(eta >= 0 && eta <= 1)) {
        throw new SdjException("TCDScheduler eta (gamma) must be in [0, 1], got " + eta);
      }
    }

    /** Reads a {@code scheduler_config.json} with diffusers' TCD defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "TCDScheduler");
      r.rejectIfTrue("thresholding");
      return new Config(CommonConfig.read(r, DEFAULTS), r.integer("original_inference_steps", 50),
          r.number("eta", 0.3));
    }

    @Override
    public String className() {
      return "TCDScheduler";
    }
  }

  public TCDScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.RESCALE);
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    resetSteps(Timesteps.distilled("TCDScheduler", config.common().numTrainTimesteps(),
        config.originalInferenceSteps(), numInferenceSteps), numInferenceSteps);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, false);
    int t = trainIndex(timestep);
    boolean last = index + 1 >= timesteps.length;
    int prevT = last ? 0 : (int) timesteps[index + 1];
    int s = (int) Math.floor((1 - config.eta()) * prevT);
    float alphaProd = (float) schedule.alphaCumprod(t);
    float alphaProdPrev = (float) schedule.alphaCumprod(prevT);
    float alphaProdS = (float) schedule.alphaCumprod(s);

    PredictionType type = config.common().predictionType();
    L x0 = AlphaPrediction.originalSample(math, type, modelOutput, sample, alphaProd);
    L eps = AlphaPrediction.epsilon(math, type, modelOutput, sample, x0, alphaProd);
    L noised = math.combine((float) Math.sqrt(alphaProdS), x0, (float) Math.sqrt(1f - alphaProdS), eps);
    L prev = noised;
    if (config.eta() > 0 && index != numInferenceSteps - 1) {
      L fresh = math.noise(noise, sample);
      float ratio = alphaProdPrev / alphaProdS;
      prev = math.combine((float) Math.sqrt(ratio), noised, (float) Math.sqrt(1f - ratio), fresh);
    }
    stepIndex++;
    return new StepResult<>(prev, x0);
  }

  @Override
  public float[] addNoise(float[] original, float[] noise, double timestep) {
    return addNoiseAtTrainStep(original, noise, timestep);
  }
}
