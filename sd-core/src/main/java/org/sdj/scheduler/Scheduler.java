package org.sdj.scheduler;

import java.util.function.UnaryOperator;

/**
 * diffusers' scheduler contract: turns the model's prediction at one timestep into the sample at the next.
 *
 * <p>Latents are plain {@code float[]} holding any shape (typically {@code [N, 4, H/8, W/8]}) flattened row-major;
 * every scheduler works element by element, so shapes never matter, only that all arrays of one call have the same
 * length. The same steps run on latents held elsewhere (a backend's tensors) through a {@link LatentMath}. A typical
 * loop:
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
  default float[] scaleModelInput(float[] sample, double timestep) {
    return scaleModelInput(LatentMath.HOST, sample, timestep);
  }

  /** {@link #scaleModelInput(float[], double)} on latents of {@code math}'s kind. */
  <L> L scaleModelInput(LatentMath<L> math, L sample, double timestep);

  /**
   * One denoising step.
   *
   * @param modelOutput the model's prediction at {@code timestep}, same length as {@code sample}
   * @param timestep    the timestep the model was called at, taken from {@link #timesteps()}
   * @param sample      the current sample
   * @param noise       fresh unit-normal noise for stochastic schedulers; {@link NoiseSource#NONE} otherwise
   */
  default StepResult<float[]> step(float[] modelOutput, double timestep, float[] sample, NoiseSource noise) {
    return step(LatentMath.HOST, modelOutput, timestep, sample, noise);
  }

  /** {@link #step(float[], double, float[], NoiseSource)} for deterministic schedulers. */
  default StepResult<float[]> step(float[] modelOutput, double timestep, float[] sample) {
    return step(modelOutput, timestep, sample, NoiseSource.NONE);
  }

  /**
   * {@link #step(float[], double, float[], NoiseSource)} on latents of {@code math}'s kind, with the same arithmetic.
   * One generation steps on one {@code math} (from {@link #setTimesteps} on), since the scheduler keeps latents of
   * earlier steps.
   *
   * @throws IllegalStateException when an earlier step of this generation ran on another {@code math}
   */
  <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise);

  /**
   * Replaces every latent this scheduler keeps for later steps (multistep history, the first half of a Heun step) by
   * {@code move}'s result for it: how a caller that frees each step's latents carries the kept ones over. Does nothing
   * before the first step of a generation or for schedulers that keep nothing.
   *
   * @throws IllegalStateException when this generation's steps ran on another {@code math}
   */
  <L> void moveState(LatentMath<L> math, UnaryOperator<L> move);

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
