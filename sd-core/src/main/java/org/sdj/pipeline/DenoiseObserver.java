package org.sdj.pipeline;

import java.util.function.Supplier;

/**
 * Sees every step of the loop; it may stop the loop by throwing (the loop frees its memory on the way out).
 */
@FunctionalInterface
public interface DenoiseObserver {
  DenoiseObserver NONE = (step, total, timestep, denoised) -> {};

  /**
   * Called after each scheduler step.
   *
   * @param step 1-based index of the step just done
   * @param total steps this run takes (fewer than requested for img2img)
   * @param timestep the timestep of that step
   * @param denoised the scheduler's estimate of the clean latents at this step, {@code [batch, C, h, w]} flattened;
   *                 read back from the backend on request only (which waits for a GPU), during this call only
   */
  void afterStep(int step, int total, double timestep, Supplier<float[]> denoised);
}
