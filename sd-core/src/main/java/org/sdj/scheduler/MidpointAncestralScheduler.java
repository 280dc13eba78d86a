package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.BiFunction;

/**
 * The layout both midpoint ancestral samplers share ({@link KDPM2AncestralDiscreteScheduler}, A1111's "DPM2 a", and
 * {@link DPMPP2SAncestralScheduler}, its "DPM++ 2S a"): each step but the last calls the model at its level and at the
 * midpoint (the geometric mean) between the level and {@code sigma_down}, then adds fresh noise of {@code sigma_up};
 * the last step is one Euler step to zero. They differ in how the second call's prediction takes the step down.
 */
abstract class MidpointAncestralScheduler<C extends SchedulerConfig & SigmaSpacedConfig> extends SigmaScheduler<C> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.00085, 0.012, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);
  /** Per call, as {@link #sigmas}: the midpoint between the level and its {@code sigma_down}. */
  private double[] sigmasInterpol = new double[0];
  private double[] sigmasUp = new double[0];
  private double[] sigmasDown = new double[0];

  /**
   * Reads a {@code scheduler_config.json} as {@code className}'s config, with KDPM2 Ancestral's defaults (diffusers'):
   * the shared fields and the sigma spacing; {@code sample} prediction refused, as diffusers refuses it.
   */
  static <T> T readConfig(JsonNode json, String className, BiFunction<CommonConfig, SigmaSpacing, T> make) {
    ConfigReader r = new ConfigReader(json, className);
    CommonConfig common = CommonConfig.read(r, DEFAULTS);
    if (common.predictionType() == PredictionType.SAMPLE) {
      throw r.unsupported("prediction_type", "sample");
    }
    return make.apply(common, r.sigmaSpacing());
  }

  MidpointAncestralScheduler(C config) {
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
    return inputAt(math, sample, sigma);
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
    L prev;
    if (first) {
      // Both samplers go to the midpoint by an Euler step (DPM-Solver++'s first-order half step is the same).
      start.sample = sample;
      prev = math.combine(1f, sample, midpoint - sigma, derivative(math, sample, x0, sigma));
    } else {
      prev = stepDown(math, start.sample, sample, x0, sigma, midpoint, (float) sigmasDown[index - 1]);
      prev = math.combine(1f, prev, (float) sigmasUp[index - 1], math.noise(noise, sample));
      start.sample = null;
    }
    stepIndex++;
    return new StepResult<>(prev, x0);
  }

  /**
   * The step from level {@code sigma} down to {@code sigmaDown}, before the fresh noise, given the second call's
   * denoised estimate {@code x0} at the midpoint sample {@code mid}.
   *
   * @param start the sample at the level, where the step began
   */
  abstract <L> L stepDown(LatentMath<L> math, L start, L mid, L x0, float sigma, float midpoint, float sigmaDown);
}
