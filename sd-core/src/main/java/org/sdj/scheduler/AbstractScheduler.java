package org.sdj.scheduler;

import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.sdj.SdjException;

/**
 * State and behaviour every scheduler shares: its configuration {@code C} and the noise schedule built from it, the
 * timestep list, the step counter, input checks.
 */
abstract class AbstractScheduler<C extends SchedulerConfig> implements Scheduler {
  final C config;
  final NoiseSchedule schedule;
  double[] timesteps = new double[0];
  int numInferenceSteps;
  /** Index into {@link #timesteps} of the next step; -1 until the first step or scaleModelInput call. */
  int stepIndex = -1;
  private int beginIndex = -1;
  /** What this generation's steps keep for later ones, on {@link #stateMath}; null before its first step. */
  private StepState<?> state;
  private LatentMath<?> stateMath;

  /** {@code zeroSnr}: how this scheduler treats {@code rescale_betas_zero_snr}, which differs by diffusers class. */
  AbstractScheduler(C config, NoiseSchedule.ZeroSnr zeroSnr) {
    this.config = config;
    this.schedule = new NoiseSchedule(config.common(), zeroSnr);
  }

  @Override
  public final C config() {
    return config;
  }

  final CommonConfig common() {
    return config.common();
  }

  @Override
  public int order() {
    return 1;
  }

  @Override
  public double[] timesteps() {
    return timesteps.clone();
  }

  @Override
  public double[] sigmas() {
    return new double[0];
  }

  @Override
  public double initNoiseSigma() {
    return 1.0;
  }

  @Override
  public <L> L scaleModelInput(LatentMath<L> math, L sample, double timestep) {
    return sample;
  }

  @Override
  public void setBeginIndex(int index) {
    requireTimesteps();
    if (index < 0 || index >= timesteps.length) {
      throw new SdjException("begin index " + index + " is outside the " + timesteps.length + " timesteps");
    }
    beginIndex = index;
  }

  /** Installs a fresh timestep list and forgets any step state. */
  void resetSteps(double[] newTimesteps, int steps) {
    timesteps = newTimesteps;
    numInferenceSteps = steps;
    stepIndex = -1;
    beginIndex = -1;
    state = null;
    stateMath = null;
  }

  /**
   * This generation's kept latents, made by {@code fresh} on its first step; later steps must run on the same
   * {@code math}, which is what makes the cast safe.
   */
  @SuppressWarnings("unchecked")
  <L, S extends StepState<L>> S state(LatentMath<L> math, Supplier<S> fresh) {
    if (state == null) {
      state = fresh.get();
      stateMath = math;
    }
    requireStateMath(math);
    return (S) state;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <L> void moveState(LatentMath<L> math, UnaryOperator<L> move) {
    if (state != null) {
      requireStateMath(math);
      ((StepState<L>) state).move(move);
    }
  }

  private void requireStateMath(LatentMath<?> math) {
    if (stateMath != math) {
      throw new IllegalStateException(getClass().getSimpleName() + " keeps latents of " + stateMath
          + " from earlier steps and cannot step on " + math + ": call setTimesteps to start a new generation");
    }
  }

  /** Fails unless {@code other} has as many elements as {@code sample}. */
  static <L> void checkSameSize(LatentMath<L> math, L sample, L other, String what) {
    if (math.size(sample) != math.size(other)) {
      throw new SdjException(what + " has " + math.size(other) + " elements but the sample has " + math.size(sample)
          + ": both must have the latent's shape");
    }
  }

  boolean hasBeginIndex() {
    return beginIndex >= 0;
  }

  int beginIndex() {
    return beginIndex;
  }

  void requireTimesteps() {
    if (timesteps.length == 0) {
      throw new SdjException(getClass().getSimpleName() + ": call setTimesteps before stepping");
    }
  }

  /**
   * The step counter, started on first use from the begin index or by looking the timestep up (diffusers'
   * _init_step_index).
   *
   * @param fallbackToLast where the timestep is not in the list, start at the last step (multistep solvers) instead
   *                       of failing
   */
  int currentStepIndex(double timestep, boolean fallbackToLast) {
    requireTimesteps();
    if (stepIndex < 0) {
      stepIndex = beginIndex >= 0 ? beginIndex : indexOf(timestep, fallbackToLast);
    }
    if (stepIndex >= timesteps.length) {
      throw new SdjException(getClass().getSimpleName() + " has already taken all " + timesteps.length
          + " steps: call setTimesteps to start a new generation");
    }
    return stepIndex;
  }

  /** Index of a timestep; the second of two matches, as diffusers does so that img2img starts mid-pair. */
  int indexOf(double timestep, boolean fallbackToLast) {
    int first = -1;
    for (int i = 0; i < timesteps.length; i++) {
      if (timesteps[i] == timestep) {
        if (first >= 0) {
          return i;
        }
        first = i;
      }
    }
    if (first >= 0) {
      return first;
    }
    if (fallbackToLast) {
      return timesteps.length - 1;
    }
    throw new SdjException("timestep " + timestep + " is not one of this " + getClass().getSimpleName()
        + "'s timesteps: pass values from timesteps()");
  }

  /** An integer training timestep, checked against the training schedule. */
  int trainIndex(double timestep) {
    int t = (int) Math.rint(timestep);
    if (t != timestep || t < 0 || t >= schedule.size()) {
      throw new SdjException("timestep " + timestep + " must be an integer training timestep in [0, "
          + schedule.size() + ")");
    }
    return t;
  }

  /** diffusers' add_noise for alpha-based schedulers: {@code sqrt(a) x + sqrt(1 - a) noise} at a training step. */
  float[] addNoiseAtTrainStep(float[] original, float[] noise, double timestep) {
    checkSameSize(LatentMath.HOST, original, noise, "noise");
    float a = (float) schedule.alphaCumprod(trainIndex(timestep));
    return LatentMath.HOST.combine((float) Math.sqrt(a), original, (float) Math.sqrt(1f - a), noise);
  }
}
