package org.sdj.pipeline;

import org.sdj.Convention;

/**
 * How img2img's strength becomes steps, and which schedule the hires fix's second pass walks, under each
 * {@link Convention}. diffusers: img2img (and inpainting) runs the last {@code int(steps * strength)} steps of a
 * schedule of {@code steps}; the hires pass likewise, of a schedule of its hires steps. AUTOMATIC1111 (its
 * {@code setup_img2img_steps} with k-diffusion's samplers): img2img runs the last
 * {@code int(min(strength, 0.999) * steps) + 1} steps (one more, from one level noisier); the hires pass runs all its
 * hires steps, the last of a schedule of {@code int(hires steps / min(strength, 0.999))}.
 */
public final class Img2ImgSteps {
  /** The infotext key, sdj's own, written for {@link Convention#A1111}. */
  public static final String INFOTEXT_KEY = "Img2img steps";

  private Img2ImgSteps() {}

  /**
   * How many of the last steps of a schedule of {@code steps} an img2img loop of {@code strength} runs.
   *
   * @return at most {@code steps}
   */
  public static int stepsRun(Convention convention, int steps, double strength) {
    int run = convention == Convention.A1111 ? (int) (Math.min(strength, 0.999) * steps) + 1
        : (int) (steps * strength);
    return Math.min(run, steps);
  }

  /** The schedule's length for a hires pass of {@code hiresSteps} at {@code strength}. */
  public static int hiresSchedule(Convention convention, int hiresSteps, double strength) {
    return convention == Convention.A1111 ? (int) (hiresSteps / Math.min(strength, 0.999)) : hiresSteps;
  }

  /** How many steps a hires pass of {@code hiresSteps} at {@code strength} runs. */
  public static int hiresStepsRun(Convention convention, int hiresSteps, double strength) {
    return convention == Convention.A1111 ? hiresSteps : stepsRun(convention, hiresSteps, strength);
  }
}
