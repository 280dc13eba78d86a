package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import org.sdj.SdjException;

/**
 * AUTOMATIC1111's Restart sampler ({@code restart_sampler}, after Xu et al., 2023, "Restart Sampling for Improving
 * Generative Processes"): Heun's method down the noise levels (Euler's for the last step, to 0); from 20 steps on the
 * levels become Karras levels of fewer steps between the schedule's ends, and at the level nearest 0.1 the sample is
 * taken back up to the level nearest 2 by fresh noise, {@code s_noise * sqrt(high^2 - low^2)}, and brought down again
 * over Karras levels: 9 steps once, or from 36 steps {@code steps / 4} twice. diffusers has no Restart; this is
 * A1111's, so sdj names its class {@code RestartScheduler} and its noise scale {@code s_noise}.
 *
 * <p>{@link #timesteps()} has one entry per model call (each level's timestep found from its sigma, as k-diffusion's
 * denoiser finds it), {@link #sigmas()} each call's level and a final 0; {@link #order()} is 2, and img2img's begin
 * index {@code 2k} starts A1111's sampler afresh on the schedule's levels from the {@code k}-th on, as A1111 hands
 * its sampler the tail of the schedule. One instance serves one generation.
 */
public final class RestartScheduler extends SigmaScheduler<RestartScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.0001, 0.02, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);
  /** A1111's restart point ({@code restart_list}'s key) and the level it climbs back to. */
  private static final double RESTART_FROM = 0.1;
  private static final double RESTART_TO = 2;

  /**
   * @param common       shared fields
   * @param sigmaSpacing {@code use_karras_sigmas} and the like: the levels below 20 steps, the ends above
   * @param sNoise       {@code s_noise}: the scale of the noise that climbs back (A1111's default 1)
   */
  public record Config(CommonConfig common, SigmaSpacing sigmaSpacing, double sNoise)
      implements SchedulerConfig, SigmaSpacedConfig {
    /** Reads a {@code scheduler_config.json} (a model's, of another scheduler) with Euler's defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "RestartScheduler");
      return new Config(CommonConfig.read(r, DEFAULTS), r.sigmaSpacing(), r.number("s_noise", 1.0));
    }

    @Override
    public String className() {
      return "RestartScheduler";
    }
  }

  /** The schedule's levels with the final 0, from {@link #setTimesteps}: what img2img's tail is cut from. */
  private double[] levels = new double[0];
  /** Per model call: whether it is a step's first (else Heun's correction), and the level its step goes to. */
  private boolean[] first = new boolean[0];
  private double[] target = new double[0];
  /** Per model call: the noise added after its step, to climb to the next step's level; 0 for none. */
  private double[] climb = new double[0];

  public RestartScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.IGNORED);
  }

  @Override
  public int order() {
    return 2;
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    Layout layout = layout(numInferenceSteps, config.sigmaSpacing(), OptionalDouble.empty(), OptionalDouble.empty());
    levels = Sigmas.withFinal(layout.sigmas(), 0.0);
    plan(levels, 0, numInferenceSteps);
  }

  /**
   * Starts A1111's sampler afresh on the levels from the {@code index / 2}-th on (img2img, a hires pass), its calls
   * laid out from {@code index}: the earlier entries of {@link #timesteps()} are never run.
   *
   * @throws SdjException for an odd index (the middle of a step) or one past the schedule's steps
   */
  @Override
  public void setBeginIndex(int index) {
    requireTimesteps();
    int skipped = index / 2;
    if (index % 2 != 0 || skipped >= levels.length - 1) {
      throw new SdjException("Restart begins at a step's first call of the " + (levels.length - 1)
          + " steps (an even index below " + 2 * (levels.length - 1) + "), not at " + index);
    }
    plan(Arrays.copyOfRange(levels, skipped, levels.length), index, numInferenceSteps);
    super.setBeginIndex(index);
  }

  /**
   * Lays out the model calls of A1111's sampler on {@code given} (levels with the final 0) after {@code unused}
   * entries that copy the first call.
   */
  private void plan(double[] given, int unused, int steps) {
    List<double[]> pairs = pairs(given);
    List<Double> levelOf = new ArrayList<>();
    List<Boolean> firstOf = new ArrayList<>();
    List<Double> targetOf = new ArrayList<>();
    List<Double> climbOf = new ArrayList<>();
    double last = -1;
    for (double[] pair : pairs) {
      float from = (float) pair[0];
      float to = (float) pair[1];
      if (last >= 0 && last < from) {
        climbOf.set(climbOf.size() - 1, (double) (float) (config.sNoise()
            * (float) Math.sqrt(from * from - (float) last * (float) last)));
      }
      levelOf.add((double) from);
      firstOf.add(true);
      targetOf.add((double) to);
      climbOf.add(0.0);
      if (to != 0) {
        levelOf.add((double) to);
        firstOf.add(false);
        targetOf.add((double) from);
        climbOf.add(0.0);
      }
      last = to;
    }
    int calls = unused + levelOf.size();
    double[] callLevels = new double[calls + 1];
    first = new boolean[calls];
    target = new double[calls];
    climb = new double[calls];
    for (int i = 0; i < calls; i++) {
      int k = Math.max(i - unused, 0);
      callLevels[i] = levelOf.get(k);
      first[i] = firstOf.get(k);
      target[i] = targetOf.get(k);
      climb[i] = i < unused ? 0 : climbOf.get(k);
    }
    double[] timesteps = Timesteps.toFloat32(Sigmas.toTimesteps(Arrays.copyOf(callLevels, calls),
        schedule.logTrainSigmas()));
    install(timesteps, callLevels, steps);
  }

  /**
   * A1111's {@code step_list}: the (from, to) levels of each step, the restart segments inserted after the step that
   * lands on the level nearest 0.1.
   */
  private static List<double[]> pairs(double[] given) {
    int steps = given.length - 1;
    double[] walk = given;
    int restartSteps = 0;
    int restartTimes = 0;
    int restartAt = -1;
    if (steps >= 20) {
      restartSteps = steps >= 36 ? steps / 4 : 9;
      restartTimes = steps >= 36 ? 2 : 1;
      walk = Sigmas.withFinal(Sigmas.karras(given[steps - 1], given[0], steps - restartSteps * restartTimes),
          0.0);
      restartAt = nearest(walk, RESTART_FROM);
    }
    List<double[]> pairs = new ArrayList<>();
    for (int i = 0; i < walk.length - 1; i++) {
      pairs.add(new double[] {walk[i], walk[i + 1]});
      if (i + 1 == restartAt) {
        int top = nearest(walk, RESTART_TO);
        if (top < restartAt) {
          double[] down = Sigmas.karras(walk[restartAt], walk[top], restartSteps + 1);
          for (int time = 0; time < restartTimes; time++) {
            for (int j = 0; j < down.length - 1; j++) {
              pairs.add(new double[] {(float) down[j], (float) down[j + 1]});
            }
          }
        }
      }
    }
    return pairs;
  }

  /** The first index of the level nearest {@code key}, compared in float32 as torch's {@code argmin} does. */
  private static int nearest(double[] walk, double key) {
    int best = 0;
    float bestDistance = Float.POSITIVE_INFINITY;
    for (int i = 0; i < walk.length; i++) {
      float distance = Math.abs((float) walk[i] - (float) key);
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** k-diffusion starts at the first level: {@code noise * sigma_0}. */
  @Override
  public double initNoiseSigma() {
    requireTimesteps();
    return sigmas[0];
  }

  @Override
  public <L> L scaleModelInput(LatentMath<L> math, L sample, double timestep) {
    return inputAt(math, sample, (float) sigmas[cursor()]);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = cursor();
    float sigma = (float) sigmas[index];
    HeunPair<L> pair = state(math, HeunPair::new);
    L x0 = originalSample(math, modelOutput, sample, sigma);
    L derivative = derivative(math, sample, x0, sigma);
    L prev;
    if (first[index]) {
      float to = (float) target[index];
      prev = math.combine(1f, sample, to - sigma, derivative);
      if (to != 0) {
        pair.firstDerivative = derivative;
        pair.firstSample = sample;
      }
    } else {
      L average = math.combine(0.5f, pair.firstDerivative, 0.5f, derivative);
      prev = math.combine(1f, pair.firstSample, sigma - (float) target[index], average);
      pair.clear();
    }
    if (climb[index] > 0) {
      prev = math.combine(1f, prev, (float) climb[index], math.noise(noise, prev));
    }
    stepIndex = index + 1;
    return new StepResult<>(prev, x0);
  }

  /** The call about to run: the begin index or 0 at first, then one past the last step's. */
  private int cursor() {
    requireTimesteps();
    int index = stepIndex >= 0 ? stepIndex : hasBeginIndex() ? beginIndex() : 0;
    if (index >= first.length) {
      throw new SdjException("RestartScheduler has already taken all " + first.length
          + " steps: call setTimesteps to start a new generation");
    }
    return index;
  }
}
