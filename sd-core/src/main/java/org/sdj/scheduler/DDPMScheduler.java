package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Denoising diffusion probabilistic models (Ho et al., 2020), diffusers' {@code DDPMScheduler}: ancestral sampling
 * with fresh noise at every step but the one at timestep 0. One instance serves one generation.
 */
public final class DDPMScheduler extends AbstractScheduler<DDPMScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.0001, 0.02, BetaSchedule.LINEAR, TimestepSpacing.LEADING);

  /** diffusers' {@code variance_type}; the learned variants (models that predict their variance) are unsupported. */
  public enum VarianceType implements ConfigValue {
    /** The posterior variance. */
    FIXED_SMALL("fixed_small"),
    /** The posterior variance computed through its log. */
    FIXED_SMALL_LOG("fixed_small_log"),
    /** The step's beta. */
    FIXED_LARGE("fixed_large");

    private final String configName;

    VarianceType(String configName) {
      this.configName = configName;
    }

    @Override
    public String configName() {
      return configName;
    }
  }

  /**
   * @param common          shared fields
   * @param varianceType    {@code variance_type}
   * @param clipSample      {@code clip_sample}
   * @param clipSampleRange {@code clip_sample_range}
   */
  public record Config(CommonConfig common, VarianceType varianceType, boolean clipSample, double clipSampleRange)
      implements SchedulerConfig {
    /** Reads a {@code scheduler_config.json} with diffusers' DDPM defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "DDPMScheduler");
      r.rejectIfTrue("thresholding");
      return new Config(CommonConfig.read(r, DEFAULTS),
          r.choice("variance_type", VarianceType.class, VarianceType.FIXED_SMALL), r.bool("clip_sample", true),
          r.number("clip_sample_range", 1.0));
    }

    @Override
    public String className() {
      return "DDPMScheduler";
    }
  }


  public DDPMScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.RESCALE);
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    resetSteps(Timesteps.integral(config.common(), numInferenceSteps), numInferenceSteps);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    requireTimesteps();
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int t = trainIndex(timestep);
    int position = indexOf(timestep, false);
    int prevT = position == timesteps.length - 1 ? -1 : (int) timesteps[position + 1];
    float alphaProd = (float) schedule.alphaCumprod(t);
    float alphaProdPrev = prevT >= 0 ? (float) schedule.alphaCumprod(prevT) : 1f;
    float betaProd = 1f - alphaProd;
    float betaProdPrev = 1f - alphaProdPrev;
    float currentAlpha = alphaProd / alphaProdPrev;
    float currentBeta = 1f - currentAlpha;

    L x0 = AlphaPrediction.originalSample(math, config.common().predictionType(), modelOutput, sample, alphaProd);
    if (config.clipSample()) {
      x0 = math.clamp(x0, (float) config.clipSampleRange());
    }
    float x0Coeff = (float) Math.sqrt(alphaProdPrev) * currentBeta / betaProd;
    float sampleCoeff = (float) Math.sqrt(currentAlpha) * betaProdPrev / betaProd;
    L prev = math.combine(x0Coeff, x0, sampleCoeff, sample);
    if (t > 0) {
      float variance = Math.max(betaProdPrev / betaProd * currentBeta, 1e-20f);
      float std = switch (config.varianceType()) {
        case FIXED_SMALL -> (float) Math.sqrt(variance);
        case FIXED_SMALL_LOG -> (float) Math.exp(0.5 * Math.log(variance));
        case FIXED_LARGE -> (float) Math.sqrt(currentBeta);
      };
      prev = math.combine(1f, prev, std, math.noise(noise, sample));
    }
    return new StepResult<>(prev, x0);
  }

  @Override
  public float[] addNoise(float[] original, float[] noise, double timestep) {
    return addNoiseAtTrainStep(original, noise, timestep);
  }
}
