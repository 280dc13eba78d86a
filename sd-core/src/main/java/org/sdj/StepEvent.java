package org.sdj;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * One finished denoising step, as a {@link StepListener} sees it.
 */
public final class StepEvent {
  private final int step;
  private final int totalSteps;
  private final double timestep;
  private final Duration elapsed;
  private final Supplier<BufferedImage> preview;
  private final CancellationToken cancellation;

  StepEvent(int step, int totalSteps, double timestep, Duration elapsed, Supplier<BufferedImage> preview,
      CancellationToken cancellation) {
    this.step = step;
    this.totalSteps = totalSteps;
    this.timestep = timestep;
    this.elapsed = elapsed;
    this.preview = preview;
    this.cancellation = cancellation;
  }

  /** 1-based index of the step just done. */
  public int step() {
    return step;
  }

  /** Steps this generation takes (for img2img, the part of the schedule that {@code strength} leaves). */
  public int totalSteps() {
    return totalSteps;
  }

  /** The scheduler's timestep of this step. */
  public double timestep() {
    return timestep;
  }

  /** Time since the generation started. */
  public Duration elapsed() {
    return elapsed;
  }

  /**
   * A cheap preview of the current denoised estimate of the first image: TAESD's picture at full size where the engine
   * runs TAESD ({@link StableDiffusion.Builder#tinyAutoencoder}, A1111's TAESD live previews), else one at latent
   * resolution (1/8 of the output), a linear map of the latent channels to RGB, no VAE. Computed on request only (on a GPU backend it waits for the
   * step to finish), and only while the listener's {@code onStep} call runs.
   *
   * @throws IllegalStateException when called after {@code onStep} returned
   */
  public BufferedImage preview() {
    return preview.get();
  }

  /** Stops the generation after this step; it ends with a {@link GenerationCancelledException}. */
  public void cancel() {
    cancellation.cancel();
  }
}
