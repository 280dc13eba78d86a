package org.sdj.pipeline;

import java.util.Locale;
import java.util.Optional;

/**
 * How img2img's strength becomes steps, and which schedule the hires fix's second pass walks: as diffusers or as
 * AUTOMATIC1111 (its {@code setup_img2img_steps} with k-diffusion's samplers).
 */
public enum Img2ImgSteps {
  /**
   * diffusers: img2img (and inpainting) runs the last {@code int(steps * strength)} steps of a schedule of
   * {@code steps}; the hires fix's second pass likewise, of a schedule of its hires steps.
   */
  DIFFUSERS,
  /**
   * AUTOMATIC1111: img2img runs the last {@code int(min(strength, 0.999) * steps) + 1} steps of a schedule of
   * {@code steps} (one more than diffusers, from one level noisier); the hires fix's second pass runs all its hires
   * steps, the last of a schedule of {@code int(hires steps / min(strength, 0.999))}.
   */
  A1111;

  /** The name written in infotexts and taken on the command line: {@code diffusers}, {@code a1111}. */
  public String shortName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The semantics a name stands for, any case; empty for anything else. */
  public static Optional<Img2ImgSteps> named(String name) {
    return switch (name.strip().toLowerCase(Locale.ROOT)) {
      case "diffusers" -> Optional.of(DIFFUSERS);
      case "a1111" -> Optional.of(A1111);
      default -> Optional.empty();
    };
  }

  /**
   * How many of the last steps of a schedule of {@code steps} an img2img loop of {@code strength} runs.
   *
   * @return at most {@code steps}
   */
  public int stepsRun(int steps, double strength) {
    int run = this == A1111 ? (int) (Math.min(strength, 0.999) * steps) + 1 : (int) (steps * strength);
    return Math.min(run, steps);
  }

  /** The schedule's length for a hires pass of {@code hiresSteps} at {@code strength}. */
  public int hiresSchedule(int hiresSteps, double strength) {
    return this == A1111 ? (int) (hiresSteps / Math.min(strength, 0.999)) : hiresSteps;
  }

  /** How many steps a hires pass of {@code hiresSteps} at {@code strength} runs. */
  public int hiresStepsRun(int hiresSteps, double strength) {
    return this == A1111 ? hiresSteps : stepsRun(hiresSteps, strength);
  }

  /** The infotext key, sdj's own, written for {@link #A1111}. */
  public static final String INFOTEXT_KEY = "Img2img steps";
}
