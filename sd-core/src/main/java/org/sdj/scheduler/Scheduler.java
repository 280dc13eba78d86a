package org.sdj.scheduler;

/**
 * diffusers' scheduler contract: turns the model's prediction at one timestep into the sample at the next.
 *
 * <p>Latents are plain {@code float[]} holding any shape (typically {@code [N, 4, H/8, W/8]}) flattened row-major;
 * every scheduler works element by element, so shapes never matter, only that all arrays of one call have the same
 * length. A typical loop:
 *
 * <pre>{@code
 * scheduler.setTimesteps(20);
 * float[] x = scale(noise, scheduler.initNoiseSigma());
 * for (double t : scheduler.timesteps()) {
 *   float[] eps = unet(scheduler.scaleModelInput(x, t), t);
 *   x = scheduler.step(eps, t, x, noise).prevSample();
 * }
 * }</pre>
 *
 * <p>A scheduler is stateful (step counter, multistep history): one instance serves one generation, from
 * {@link #setTimesteps} to the last {@link #step}, on one thread. Creating one is cheap.
 */
public interface Scheduler {
  /** The configuration this scheduler was built from. */
  SchedulerConfig config();

  /** diffusers' {@code order}: model calls per inference step (2 for Heun, 1 for the rest). */
  int order();

  /**
   * Lays out the timesteps for a generation of {@code numInferenceSteps} steps and resets the step state.
   *
   * @throws org.sdj.SdjException when the count is below 1 or above what the scheduler allows
   */
  void setTimesteps(int numInferenceSteps);

  /**
   * The timesteps to call the model at, in order: one per model call (so Heun has {@code 2n - 1}, PNDM with PRK
   * warm-up {@code n + 9}). Sigma-based schedulers may give fractional values. Empty before {@link #setTimesteps}.
   */
  double[] timesteps();

  /** The noise levels, one more than the steps (the last is where the loop ends); empty where not sigma-based. */
  double[] sigmas();

  /** Standard deviation of the initial noise: multiply unit-normal latents by it before the first step. */
  double initNoiseSigma();

  /**
   * Starts the step counter at {@code index} instead of looking the first timestep up, as img2img does after skipping
   * the first {@code index} timesteps (diffusers' {@code set_begin_index}).
   */
  void setBeginIndex(int index);

  /**
   * Scales the sample for the model at {@code timestep} (divides by {@code sqrt(sigma^2 + 1)} for sigma-based
   * schedulers). May return {@code sample} itself when no scaling applies: do not modify the result in place.
   */
  float[] scaleModelInput(float[] sample, double timestep);

  /**
   * One denoising step.
   *
   * @param modelOutput the model's prediction at {@code timestep}, same length as {@code sample}
   * @param timestep    the timestep the model was called at, taken from {@link #timesteps()}
   * @param sample      the current sample
   * @param noise       fresh unit-normal noise for stochastic schedulers; {@link NoiseSource#NONE} otherwise
   */
  StepResult step(float[] modelOutput, double timestep, float[] sample, NoiseSource noise);

  /** {@link #step(float[], double, float[], NoiseSource)} for deterministic schedulers. */
  default StepResult step(float[] modelOutput, double timestep, float[] sample) {
    return step(modelOutput, timestep, sample, NoiseSource.NONE);
  }

  /**
   * Noises a clean sample to the level of {@code timestep} (img2img's starting point).
   *
   * @param original clean latents
   * @param noise    unit-normal noise of the same length
   * @param timestep one of {@link #timesteps()} (after {@link #setTimesteps}) for sigma-based schedulers, any
   *                 training timestep for the others
   */
  float[] addNoise(float[] original, float[] noise, double timestep);
}
