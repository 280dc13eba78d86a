package org.sdj.pipeline;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.sdj.SdxlConditioning;
import org.sdj.prompt.Emphasis;
import org.sdj.prompt.PromptSyntax;
import org.sdj.scheduler.NoiseSource;
import org.sdj.scheduler.Scheduler;

/**
 * What one run of the denoising loop needs, fully resolved (no defaults left to fill in).
 *
 * @param prompts one prompt per batch item
 * @param negativePrompts one negative prompt per batch item (empty strings for none)
 * @param promptSyntax how the prompts become the text encoder's input
 * @param emphasis how the A1111 syntax reads and applies its weights
 * @param steps inference steps, passed to {@link Scheduler#setTimesteps}
 * @param guidanceScale classifier-free guidance weight; at most 1 skips the unconditional pass, as diffusers does, and
 *     so does a UNet that takes the scale as an embedding (a latent consistency model)
 * @param guidanceRescale diffusers' {@code guidance_rescale} in [0, 1]: how far the guided prediction is scaled back to
 *     the conditional prediction's standard deviation per item (0: not at all)
 * @param clipSkip the text encoder's layers used, counted from its last as A1111's "Clip skip" counts (1: all)
 * @param scheduler a fresh scheduler, used for this run only
 * @param start pure noise, a noised image or a masked one
 * @param latentShape {@code [batch, latent_channels, h, w]}
 * @param stepNoise fresh noise for stochastic schedulers
 * @param sdxl SDXL's second prompts (for every batch item) and size conditioning; {@link SdxlConditioning#DEFAULT}
 *     for other models
 * @param denoisingEnd in (0, 1]: the fraction of the noise schedule after which the loop stops, its latents still
 *     noisy, for a refiner to take over ({@link LatentStart.Partial}; diffusers' {@code denoising_end}); 1 runs it all
 * @param controls ControlNets and their control images, whose residuals add up; empty for none
 * @param imagePrompts one image prompt for each IP-Adapter loaded into the UNet, in their order; empty for none
 * @param adapters T2I-Adapters and their control images, whose feature maps add up; empty for none
 * @param firstPassSteps for a hires pass, the first pass's steps, from which A1111's prompt editing counts this pass's
 *     steps ({@link org.sdj.prompt.PromptEditing#hiresSchedule}); 0 for a first pass
 */
public record DenoiseSpec(List<String> prompts, List<String> negativePrompts, PromptSyntax promptSyntax,
    Emphasis emphasis, int steps,
    double guidanceScale, double guidanceRescale, int clipSkip, Scheduler scheduler, LatentStart start,
    long[] latentShape, NoiseSource stepNoise, SdxlConditioning sdxl, double denoisingEnd,
    List<ControlInput> controls, List<ImagePromptInput> imagePrompts, List<AdapterInput> adapters,
    int firstPassSteps) {

  public DenoiseSpec {
    prompts = List.copyOf(prompts);
    negativePrompts = List.copyOf(negativePrompts);
    adapters = List.copyOf(adapters);
    if (firstPassSteps < 0) {
      throw new IllegalArgumentException("first pass steps must be 0 (a first pass) or more, got " + firstPassSteps);
    }
    Objects.requireNonNull(promptSyntax, "promptSyntax");
    Objects.requireNonNull(emphasis, "emphasis");
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(stepNoise, "stepNoise");
    Objects.requireNonNull(sdxl, "sdxl");
    controls = List.copyOf(controls);
    imagePrompts = List.copyOf(imagePrompts);
    for (ControlInput control : controls) {
      int values = control.image().length;
      long latentPixels = latentShape[2] * latentShape[3];
      if (values % 3 != 0 || latentPixels == 0 || values / 3 % latentPixels != 0 || values == 0) {
        throw new IllegalArgumentException("a control image has " + values + " values, not 3 channels at the"
            + " picture's size");
      }
    }
    if (!(denoisingEnd > 0 && denoisingEnd <= 1)) {
      throw new IllegalArgumentException("denoising end must be in (0, 1], got " + denoisingEnd);
    }
    latentShape = latentShape.clone();
    if (!(guidanceRescale >= 0 && guidanceRescale <= 1)) {
      throw new IllegalArgumentException("guidance rescale must be in [0, 1], got " + guidanceRescale);
    }
    if (clipSkip < 1) {
      throw new IllegalArgumentException("clip skip must be at least 1 (the text encoder's last layer), got "
          + clipSkip);
    }
    if (prompts.size() != negativePrompts.size() || prompts.size() != latentShape[0]) {
      throw new IllegalArgumentException(prompts.size() + " prompts, " + negativePrompts.size()
          + " negative prompts and a batch of " + latentShape[0] + " must agree");
    }
    long n = 1;
    for (long d : latentShape) {
      n *= d;
    }
    float[] noise = switch (start) {
      case LatentStart.Noise s -> s.unitNoise();
      case LatentStart.Image s -> s.unitNoise();
      case LatentStart.Inpaint s -> s.unitNoise();
      case LatentStart.Partial s -> s.latents();
    };
    if (noise.length != n) {
      throw new IllegalArgumentException("initial noise has " + noise.length + " values, the latents need " + n);
    }
  }

  @Override
  public long[] latentShape() {
    return latentShape.clone();
  }

  /** The second text encoder's prompts: {@link SdxlConditioning#prompt2()} for every item, else {@link #prompts}. */
  public List<String> prompts2() {
    return sdxl.prompt2().map(p -> Collections.nCopies(prompts.size(), p)).orElse(prompts);
  }

  /** {@link #prompts2()}'s negative counterpart. */
  public List<String> negativePrompts2() {
    return sdxl.negativePrompt2().map(p -> Collections.nCopies(prompts.size(), p)).orElse(negativePrompts);
  }

  /** This spec with other prompts and negative prompts, one per batch item (a step's, under prompt editing). */
  DenoiseSpec withPrompts(List<String> newPrompts, List<String> newNegatives) {
    return toBuilder().prompts(newPrompts).negativePrompts(newNegatives).build();
  }

  /**
   * A spec of {@code prompts} (one per batch item), {@code steps} steps of {@code scheduler} from {@code start}, on
   * latents of {@code latentShape}; the rest at their defaults: empty negative prompts, the plain prompt syntax (and
   * A1111's Original emphasis),
   * guidance 7.5 without rescale, clip skip 1, no step noise, no SDXL conditioning, the whole schedule, no ControlNets,
   * image prompts or T2I-Adapters, a first pass.
   */
  public static Builder builder(List<String> prompts, int steps, Scheduler scheduler, LatentStart start,
      long[] latentShape) {
    return new Builder(prompts, steps, scheduler, start, latentShape);
  }

  /** A builder holding this spec's values. */
  public Builder toBuilder() {
    Builder b = new Builder(prompts, steps, scheduler, start, latentShape);
    b.negativePrompts = negativePrompts;
    b.promptSyntax = promptSyntax;
    b.emphasis = emphasis;
    b.guidanceScale = guidanceScale;
    b.guidanceRescale = guidanceRescale;
    b.clipSkip = clipSkip;
    b.stepNoise = stepNoise;
    b.sdxl = sdxl;
    b.denoisingEnd = denoisingEnd;
    b.controls = controls;
    b.imagePrompts = imagePrompts;
    b.adapters = adapters;
    b.firstPassSteps = firstPassSteps;
    return b;
  }

  /** Builds a {@link DenoiseSpec}; see {@link DenoiseSpec#builder} for the defaults. */
  public static final class Builder {
    private List<String> prompts;
    private int steps;
    private Scheduler scheduler;
    private LatentStart start;
    private long[] latentShape;
    private List<String> negativePrompts;
    private PromptSyntax promptSyntax = PromptSyntax.PLAIN;
    private Emphasis emphasis = Emphasis.ORIGINAL;
    private double guidanceScale = 7.5;
    private double guidanceRescale;
    private int clipSkip = 1;
    private NoiseSource stepNoise = NoiseSource.NONE;
    private SdxlConditioning sdxl = SdxlConditioning.DEFAULT;
    private double denoisingEnd = 1;
    private List<ControlInput> controls = List.of();
    private List<ImagePromptInput> imagePrompts = List.of();
    private List<AdapterInput> adapters = List.of();
    private int firstPassSteps;

    private Builder(List<String> prompts, int steps, Scheduler scheduler, LatentStart start, long[] latentShape) {
      prompts(prompts);
      this.steps = steps;
      scheduler(scheduler);
      start(start);
      latentShape(latentShape);
    }

    /** One prompt per batch item; the negative prompts default to empty ones as many. */
    public Builder prompts(List<String> prompts) {
      this.prompts = List.copyOf(prompts);
      return this;
    }

    public Builder steps(int steps) {
      this.steps = steps;
      return this;
    }

    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    public Builder start(LatentStart start) {
      this.start = Objects.requireNonNull(start, "start");
      return this;
    }

    /** {@code [batch, latent_channels, h, w]}. */
    public Builder latentShape(long[] latentShape) {
      this.latentShape = latentShape.clone();
      return this;
    }

    /** One negative prompt per batch item (empty strings for none). */
    public Builder negativePrompts(List<String> negativePrompts) {
      this.negativePrompts = List.copyOf(negativePrompts);
      return this;
    }

    public Builder promptSyntax(PromptSyntax promptSyntax) {
      this.promptSyntax = Objects.requireNonNull(promptSyntax, "promptSyntax");
      return this;
    }

    public Builder emphasis(Emphasis emphasis) {
      this.emphasis = Objects.requireNonNull(emphasis, "emphasis");
      return this;
    }

    public Builder guidanceScale(double guidanceScale) {
      this.guidanceScale = guidanceScale;
      return this;
    }

    public Builder guidanceRescale(double guidanceRescale) {
      this.guidanceRescale = guidanceRescale;
      return this;
    }

    public Builder clipSkip(int clipSkip) {
      this.clipSkip = clipSkip;
      return this;
    }

    public Builder stepNoise(NoiseSource stepNoise) {
      this.stepNoise = Objects.requireNonNull(stepNoise, "stepNoise");
      return this;
    }

    public Builder sdxl(SdxlConditioning sdxl) {
      this.sdxl = Objects.requireNonNull(sdxl, "sdxl");
      return this;
    }

    public Builder denoisingEnd(double denoisingEnd) {
      this.denoisingEnd = denoisingEnd;
      return this;
    }

    public Builder controls(List<ControlInput> controls) {
      this.controls = List.copyOf(controls);
      return this;
    }

    public Builder imagePrompts(List<ImagePromptInput> imagePrompts) {
      this.imagePrompts = List.copyOf(imagePrompts);
      return this;
    }

    public Builder adapters(List<AdapterInput> adapters) {
      this.adapters = List.copyOf(adapters);
      return this;
    }

    public Builder firstPassSteps(int firstPassSteps) {
      this.firstPassSteps = firstPassSteps;
      return this;
    }

    /** @throws IllegalArgumentException where the values disagree (see the record's checks) */
    public DenoiseSpec build() {
      List<String> negatives = negativePrompts != null ? negativePrompts
          : Collections.nCopies(prompts.size(), "");
      return new DenoiseSpec(prompts, negatives, promptSyntax, emphasis, steps, guidanceScale, guidanceRescale,
          clipSkip, scheduler, start, latentShape, stepNoise, sdxl, denoisingEnd, controls, imagePrompts, adapters,
          firstPassSteps);
    }
  }

  /** Whether the guidance scale asks for the unconditional pass (a latent consistency model's UNet skips it still). */
  public boolean classifierFreeGuidance() {
    return guidanceScale > 1.0;
  }
}
