package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Latent consistency model sampling (Luo et al., 2023), diffusers' {@code LCMScheduler}: each step jumps to a
 * denoised estimate, and every step but the last re-noises it to the next timestep with fresh noise. One instance
 * serves one generation.
 */
public final class LCMScheduler extends AbstractScheduler<LCMScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.00085, 0.012, BetaSchedule.SCALED_LINEAR, TimestepSpacing.LEADING);
  private static final double SIGMA_DATA = 0.5;

  /**
   * @param common                 shared fields ({@code timestep_spacing} and {@code steps_offset} are unused, as in
   *                               diffusers)
   * @param originalInferenceSteps {@code original_inference_steps}: the distillation schedule the steps pick from
   * @param clipSample             {@code clip_sample}
   * @param clipSampleRange        {@code clip_sample_range}
   * @param setAlphaToOne          {@code set_alpha_to_one}
   * @param timestepScaling        {@code timestep_scaling}: scales timesteps in the consistency boundary condition
   */
  public record Config(CommonConfig common, int originalInferenceSteps, boolean clipSample, double clipSampleRange,
      boolean setAlphaToOne, double timestepScaling) implements SchedulerConfig {
    public Config {
      Timesteps.checkOriginalSteps("LCMScheduler", originalInferenceSteps, common);
    }

    /** Reads a {@code scheduler_config.json} with diffusers' LCM defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "LCMScheduler");
      r.rejectIfTrue("thresholding");
      return new Config(CommonConfig.read(r, DEFAULTS), r.integer("original_inference_steps", 50),
          r.bool("clip_sample", false), r.number("clip_sample_range", 1.0), r.bool("set_alpha_to_one", true),
          r.number("timestep_scaling", 10.0));
    }

    @Override
    public String className() {
      return "LCMScheduler";
    }
  }

  private final double finalAlphaCumprod;

  public LCMScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.RESCALE);
    this.finalAlphaCumprod = schedule.finalAlphaCumprod(config.setAlphaToOne());
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    resetSteps(Timesteps.distilled("LCMScheduler", config.common().numTrainTimesteps(),
        config.originalInferenceSteps(), numInferenceSteps), numInferenceSteps);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, false);
    int t = trainIndex(timestep);
    int prevT = index + 1 < timesteps.length ? (int) timesteps[index + 1] : t;
    float alphaProd = (float) schedule.alphaCumprod(t);
    float alphaProdPrev = (float) (prevT >= 0 ? schedule.alphaCumprod(prevT) : finalAlphaCumprod);

    double scaled = t * config.timestepScaling();
    float cSkip = (float) (SIGMA_DATA * SIGMA_DATA / (scaled * scaled + SIGMA_DATA * SIGMA_DATA));
    float cOut = (float) (scaled / Math.sqrt(scaled * scaled + SIGMA_DATA * SIGMA_DATA));
    L x0 = AlphaPrediction.originalSample(math, config.common().predictionType(), modelOutput, sample, alphaProd);
    if (config.clipSample()) {
      x0 = math.clamp(x0, (float) config.clipSampleRange());
    }
    L denoised = math.combine(cOut, x0, cSkip, sample);
    L prev = denoised;
    if (index != numInferenceSteps - 1) {
      L fresh = math.noise(noise, sample);
      prev = math.combine((float) Math.sqrt(alphaProdPrev), denoised, (float) Math.sqrt(1f - alphaProdPrev),
          fresh);
    }
    stepIndex++;
    return new StepResult<>(prev, denoised);
  }

  @Override
  public float[] addNoise(float[] original, float[] noise, double timestep) {
    return addNoiseAtTrainStep(original, noise, timestep);
  }
}
