package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import org.sdj.SdjException;

/**
 * DDIM (Song et al., 2020), diffusers' {@code DDIMScheduler}: deterministic with {@code eta = 0}, adding
 * {@code eta}-scaled fresh noise otherwise. One instance serves one generation.
 */
public final class DDIMScheduler extends AbstractScheduler<DDIMScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.0001, 0.02, BetaSchedule.LINEAR, TimestepSpacing.LEADING);

  /**
   * @param common          shared fields
   * @param clipSample      {@code clip_sample}: clamp the x0 estimate to {@code [-clipSampleRange, clipSampleRange]}
   * @param clipSampleRange {@code clip_sample_range}
   * @param setAlphaToOne   {@code set_alpha_to_one}: the step past timestep 0 is fully clean (else alpha_cumprod[0])
   * @param eta             weight of fresh noise per step, 0 for deterministic DDIM (a step argument in diffusers;
   *                        sdj reads it from the config key {@code eta})
   */
  public record Config(CommonConfig common, boolean clipSample, double clipSampleRange, boolean setAlphaToOne,
      double eta) implements SchedulerConfig {
    public Config {
      if (!(eta >= 0)) {
        throw new SdjException("DDIM eta must be at least 0, got " + eta);
      }
    }

    /** Reads a {@code scheduler_config.json} with diffusers' DDIM defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "DDIMScheduler");
      r.rejectIfTrue("thresholding");
      return new Config(CommonConfig.read(r, DEFAULTS), r.bool("clip_sample", true),
          r.number("clip_sample_range", 1.0), r.bool("set_alpha_to_one", true), r.number("eta", 0.0));
    }

    @Override
    public String className() {
      return "DDIMScheduler";
    }
  }

  private final double finalAlphaCumprod;

  public DDIMScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.RESCALE);
    this.finalAlphaCumprod = schedule.finalAlphaCumprod(config.setAlphaToOne());
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
    int prev = t - config.common().numTrainTimesteps() / numInferenceSteps;
    float alphaProd = (float) schedule.alphaCumprod(t);
    float alphaProdPrev = (float) (prev >= 0 ? schedule.alphaCumprod(prev) : finalAlphaCumprod);
    PredictionType type = config.common().predictionType();

    L x0 = AlphaPrediction.originalSample(math, type, modelOutput, sample, alphaProd);
    L eps = AlphaPrediction.epsilon(math, type, modelOutput, sample, x0, alphaProd);
    if (config.clipSample()) {
      x0 = math.clamp(x0, (float) config.clipSampleRange());
    }
    float betaProd = 1f - alphaProd;
    float variance = ((1f - alphaProdPrev) / betaProd) * (1f - alphaProd / alphaProdPrev);
    float stdDev = (float) (config.eta() * Math.sqrt(variance));
    float direction = (float) Math.sqrt(1f - alphaProdPrev - stdDev * stdDev);
    L prevSample = math.combine((float) Math.sqrt(alphaProdPrev), x0, direction, eps);
    if (config.eta() > 0) {
      prevSample = math.combine(1f, prevSample, stdDev, math.noise(noise, sample));
    }
    return new StepResult<>(prevSample, x0);
  }

  @Override
  public float[] addNoise(float[] original, float[] noise, double timestep) {
    return addNoiseAtTrainStep(original, noise, timestep);
  }
}
