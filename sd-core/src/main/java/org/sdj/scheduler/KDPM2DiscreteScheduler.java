package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.OptionalDouble;

/**
 * DPM-Solver-2 in Karras et al.'s form (k-diffusion's {@code sample_dpm_2}, AUTOMATIC1111's "DPM2"), diffusers'
 * {@code KDPM2DiscreteScheduler}: each step an Euler half-step to the geometric mean of the two noise levels, the model
 * called there, and the whole step taken with that midpoint's derivative. Two model calls per step but the last (which
 * goes straight to the denoised estimate), so {@link #timesteps()} has {@code 2n - 1} entries: each level's timestep,
 * then its midpoint's. Deterministic. One instance serves one generation.
 */
public final class KDPM2DiscreteScheduler extends SigmaScheduler<KDPM2DiscreteScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.00085, 0.012, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);

  /**
   * @param common       shared fields ({@code rescale_betas_zero_snr} is ignored, as in diffusers)
   * @param sigmaSpacing {@code use_karras_sigmas} / {@code use_exponential_sigmas}
   */
  public record Config(CommonConfig common, SigmaSpacing sigmaSpacing) implements SchedulerConfig, SigmaSpacedConfig {
    /** Reads a {@code scheduler_config.json} with diffusers' KDPM2 defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "KDPM2DiscreteScheduler");
      Config config = new Config(CommonConfig.read(r, DEFAULTS), r.sigmaSpacing());
      if (config.common().predictionType() == PredictionType.SAMPLE) {
        throw r.unsupported("prediction_type", "sample");
      }
      return config;
    }

    @Override
    public String className() {
      return "KDPM2DiscreteScheduler";
    }
  }

  /**
   * Each call's midpoint noise level, laid out as {@link #sigmas}: {@code sqrt(sigma_i * sigma_(i-1))} in float32,
   * from diffusers' {@code lerp} of the logs.
   */
  private double[] sigmasInterpol = new double[0];

  public KDPM2DiscreteScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.IGNORED);
  }

  @Override
  public int order() {
    return 2;
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    Layout layout = dpm2Layout(this, numInferenceSteps, config.sigmaSpacing());
    double[] ts = layout.timesteps();
    double[] levels = Sigmas.withFinal(layout.sigmas(), 0.0);
    double[] midpoints = new double[levels.length];
    for (int i = 1; i < levels.length; i++) {
      midpoints[i] = geometricMean(levels[i], levels[i - 1]);
    }
    double[] logTrainSigmas = schedule.logTrainSigmas();
    int n = ts.length;
    double[] timesteps = new double[2 * n - 1];
    timesteps[0] = (float) ts[0];
    for (int i = 1; i < n; i++) {
      timesteps[2 * i - 1] = (float) Sigmas.toTimesteps(new double[] {midpoints[i]}, logTrainSigmas)[0];
      timesteps[2 * i] = (float) ts[i];
    }
    install(timesteps, interleaved(levels), numInferenceSteps);
    sigmasInterpol = interleaved(midpoints);
  }

  /** The levels and their timesteps as both DPM2 schedulers lay them out: Karras timesteps rounded, as diffusers does. */
  static Layout dpm2Layout(SigmaScheduler<?> scheduler, int steps, SigmaSpacing spacing) {
    Layout layout = scheduler.layout(steps, spacing, OptionalDouble.empty(), OptionalDouble.empty());
    double[] ts = layout.timesteps();
    if (spacing == SigmaSpacing.KARRAS) {
      for (int i = 0; i < ts.length; i++) {
        ts[i] = Math.rint(ts[i]);
      }
    }
    return new Layout(ts, layout.sigmas());
  }

  /** {@code [v0, v1, v1, v2, v2, ..., v_last, v_last, v_last]}: diffusers' layout, one entry per call and two more. */
  static double[] interleaved(double[] v) {
    double[] out = new double[2 * v.length];
    out[0] = v[0];
    for (int i = 1; i < v.length; i++) {
      out[2 * i - 1] = v[i];
      out[2 * i] = v[i];
    }
    out[out.length - 1] = v[v.length - 1];
    return out;
  }

  /**
   * {@code exp(lerp(log a, log b, 0.5))} in float32, in torch's form for a weight of 0.5 ({@code end - diff / 2}): 0
   * where {@code b} is 0 ({@code log 0 = -inf}).
   */
  static double geometricMean(double a, double b) {
    float start = (float) Math.log((float) a);
    float end = (float) Math.log((float) b);
    return (float) Math.exp(end - (end - start) * 0.5f);
  }

  @Override
  public <L> L scaleModelInput(LatentMath<L> math, L sample, double timestep) {
    int index = currentStepIndex(timestep, false);
    float sigma = (float) (state(math, HeldSample::new).empty() ? sigmas[index] : sigmasInterpol[index]);
    return inputAt(math, sample, sigma);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, false);
    HeldSample<L> start = state(math, HeldSample::new);
    boolean first = start.empty();
    float sigma = (float) (first ? sigmas[index] : sigmas[index - 1]);
    float midpoint = (float) (first ? sigmasInterpol[index + 1] : sigmasInterpol[index]);
    float sigmaNext = (float) (first ? sigmas[index + 1] : sigmas[index]);
    float at = first ? sigma : midpoint;
    L x0 = originalSample(math, modelOutput, sample, at);
    L d = derivative(math, sample, x0, at);
    L prev;
    if (first) {
      start.sample = sample;
      prev = math.combine(1f, sample, midpoint - sigma, d);
    } else {
      prev = math.combine(1f, start.sample, sigmaNext - sigma, d);
      start.sample = null;
    }
    stepIndex++;
    return new StepResult<>(prev, x0);
  }
}
