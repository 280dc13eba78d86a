package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * DPM-Solver-2 with ancestral sampling (k-diffusion's {@code sample_dpm_2_ancestral}, AUTOMATIC1111's "DPM2 a"),
 * diffusers' {@code KDPM2AncestralDiscreteScheduler}: as {@link KDPM2DiscreteScheduler}, but each step goes down to
 * {@code sigma_down} through the midpoint between the level and {@code sigma_down}, then adds fresh noise of
 * {@code sigma_up}, as Euler Ancestral splits its steps. The noise comes from the loop's {@link NoiseSource}, one draw
 * per step. One instance serves one generation.
 */
public final class KDPM2AncestralDiscreteScheduler
    extends SigmaScheduler<KDPM2AncestralDiscreteScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.00085, 0.012, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);

  /**
   * @param common       shared fields ({@code rescale_betas_zero_snr} is ignored, as in diffusers)
   * @param sigmaSpacing {@code use_karras_sigmas} / {@code use_exponential_sigmas}
   */
  public record Config(CommonConfig common, SigmaSpacing sigmaSpacing) implements SchedulerConfig, SigmaSpacedConfig {
    /** Reads a {@code scheduler_config.json} with diffusers' KDPM2 Ancestral defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "KDPM2AncestralDiscreteScheduler");
      Config config = new Config(CommonConfig.read(r, DEFAULTS), r.sigmaSpacing());
      if (config.common().predictionType() == PredictionType.SAMPLE) {
        throw r.unsupported("prediction_type", "sample");
      }
      return config;
    }

    @Override
    public String className() {
      return "KDPM2AncestralDiscreteScheduler";
    }
  }

  /** Per call, as {@link #sigmas}: the midpoint between the level and its {@code sigma_down}. */
  private double[] sigmasInterpol = new double[0];
  private double[] sigmasUp = new double[0];
  private double[] sigmasDown = new double[0];

  public KDPM2AncestralDiscreteScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.IGNORED);
  }

  @Override
  public int order() {
    return 2;
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    Layout layout = KDPM2DiscreteScheduler.dpm2Layout(this, numInferenceSteps, config.sigmaSpacing());
    double[] ts = layout.timesteps();
    double[] levels = Sigmas.withFinal(layout.sigmas(), 0.0);
    int count = levels.length;
    double[] up = new double[count];
    double[] down = new double[count];
    double[] midpoints = new double[count];
    for (int i = 0; i < count; i++) {
      // float32, as diffusers computes them on its float32 sigmas.
      float s = (float) levels[i];
      float next = i + 1 < count ? (float) levels[i + 1] : 0f;
      up[i] = (float) Math.sqrt(next * next * (s * s - next * next) / (s * s));
      down[i] = i + 1 < count ? (float) Math.sqrt(next * next - (float) up[i] * (float) up[i]) : 0;
      midpoints[i] = i < count - 2 ? KDPM2DiscreteScheduler.geometricMean(levels[i], down[i]) : 0;
    }
    double[] logTrainSigmas = schedule.logTrainSigmas();
    int n = ts.length;
    double[] timesteps = new double[2 * n - 1];
    timesteps[0] = (float) ts[0];
    for (int i = 1; i < n; i++) {
      timesteps[2 * i - 1] = (float) Sigmas.toTimesteps(new double[] {midpoints[i - 1]}, logTrainSigmas)[0];
      timesteps[2 * i] = (float) ts[i];
    }
    install(timesteps, KDPM2DiscreteScheduler.interleaved(levels), numInferenceSteps);
    sigmasInterpol = KDPM2DiscreteScheduler.interleaved(midpoints);
    sigmasUp = KDPM2DiscreteScheduler.interleaved(up);
    sigmasDown = KDPM2DiscreteScheduler.interleaved(down);
  }

  @Override
  public <L> L scaleModelInput(LatentMath<L> math, L sample, double timestep) {
    int index = currentStepIndex(timestep, false);
    boolean first = state(math, HeldSample::new).empty();
    float sigma = (float) (first ? sigmas[index] : sigmasInterpol[index - 1]);
    return math.scale(sample, 1f / (float) Math.sqrt(sigma * sigma + 1f));
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, false);
    HeldSample<L> start = state(math, HeldSample::new);
    boolean first = start.empty();
    int level = first ? index : index - 1;
    float sigma = (float) sigmas[level];
    float midpoint = (float) sigmasInterpol[level];
    float at = first ? sigma : midpoint;
    L x0 = originalSample(math, modelOutput, sample, at);
    L d = derivative(math, sample, x0, at);
    L prev;
    if (first) {
      start.sample = sample;
      prev = math.combine(1f, sample, midpoint - sigma, d);
    } else {
      prev = math.combine(1f, start.sample, (float) sigmasDown[index - 1] - sigma, d);
      prev = math.combine(1f, prev, (float) sigmasUp[index - 1], math.noise(noise, sample));
      start.sample = null;
    }
    stepIndex++;
    return new StepResult<>(prev, x0);
  }
}
