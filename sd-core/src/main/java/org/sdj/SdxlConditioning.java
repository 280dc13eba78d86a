package org.sdj;

import java.util.Objects;
import java.util.Optional;

/**
 * What SDXL models are conditioned on besides the prompts, as diffusers' {@code StableDiffusionXLPipeline} takes it:
 * a prompt of its own for the second text encoder, and the micro-conditioning on sizes and crop (the six time ids;
 * the refiner's five end with an aesthetic score instead of the target size).
 * Every field has a default that leaves the picture as diffusers makes it without the argument; {@link #DEFAULT} is
 * all of them. Requests for models of one text encoder must leave it at {@link #DEFAULT}.
 *
 * @param prompt2 diffusers' {@code prompt_2}, what the second text encoder (OpenCLIP bigG) reads; empty: the prompt
 * @param negativePrompt2 diffusers' {@code negative_prompt_2}; empty: the negative prompt. With
 *     {@code force_zeros_for_empty_prompt}, the negative half is zeros only where both negative prompts are empty
 * @param originalSize the size the model is told the training picture had ({@code original_size}); empty: the
 *     picture's own. Smaller sizes ask for the look of upscaled low-resolution pictures
 * @param cropTopLeft where the training picture was cropped from ({@code crops_coords_top_left}); (0, 0), the
 *     default, asks for a well-centered picture
 * @param targetSize the size asked for ({@code target_size}); empty: the picture's own
 * @param negativeOriginalSize {@code negative_original_size} for the unconditional half; empty: {@code originalSize}
 * @param negativeCropTopLeft {@code negative_crops_coords_top_left}; empty: diffusers' (0, 0) where its pipelines
 *     read that default (the refiner's ids, or both negative sizes given), else {@code cropTopLeft}, as
 *     {@code StableDiffusionXLPipeline} then gives the unconditional half the conditional ids
 * @param negativeTargetSize {@code negative_target_size}; empty: {@code targetSize}
 * @param aestheticScore the refiner's {@code aesthetic_score} ({@value #DEFAULT_AESTHETIC_SCORE}): the score of the
 *     pictures to take after
 * @param negativeAestheticScore the refiner's {@code negative_aesthetic_score}
 *     ({@value #DEFAULT_NEGATIVE_AESTHETIC_SCORE}), for the unconditional half
 */
public record SdxlConditioning(Optional<String> prompt2, Optional<String> negativePrompt2, Optional<Size> originalSize,
    Crop cropTopLeft, Optional<Size> targetSize, Optional<Size> negativeOriginalSize,
    Optional<Crop> negativeCropTopLeft, Optional<Size> negativeTargetSize, double aestheticScore,
    double negativeAestheticScore) {

  public static final double DEFAULT_AESTHETIC_SCORE = 6.0;
  public static final double DEFAULT_NEGATIVE_AESTHETIC_SCORE = 2.5;

  /** Nothing beyond what the prompts and the picture's size say. */
  public static final SdxlConditioning DEFAULT = builder().build();

  /** The largest side or crop offset accepted, far past any training picture. */
  public static final int MAX_PIXELS = 16384;

  /**
   * A size in pixels.
   *
   * @param width in 1..{@value #MAX_PIXELS}
   * @param height in 1..{@value #MAX_PIXELS}
   */
  public record Size(int width, int height) {
    public Size {
      if (width < 1 || height < 1 || width > MAX_PIXELS || height > MAX_PIXELS) {
        throw new IllegalArgumentException("an SDXL conditioning size must be 1.." + MAX_PIXELS + " on each side, got "
            + width + "x" + height);
      }
    }
  }

  /**
   * A crop's top-left corner in pixels, diffusers' {@code (top, left)}.
   *
   * @param top in 0..{@value #MAX_PIXELS}
   * @param left in 0..{@value #MAX_PIXELS}
   */
  public record Crop(int top, int left) {
    public static final Crop NONE = new Crop(0, 0);

    public Crop {
      if (top < 0 || left < 0 || top > MAX_PIXELS || left > MAX_PIXELS) {
        throw new IllegalArgumentException("an SDXL crop corner must be 0.." + MAX_PIXELS + " on each axis, got top "
            + top + ", left " + left);
      }
    }
  }

  public SdxlConditioning {
    Objects.requireNonNull(prompt2, "prompt2");
    Objects.requireNonNull(negativePrompt2, "negativePrompt2");
    Objects.requireNonNull(originalSize, "originalSize");
    Objects.requireNonNull(cropTopLeft, "cropTopLeft");
    Objects.requireNonNull(targetSize, "targetSize");
    Objects.requireNonNull(negativeOriginalSize, "negativeOriginalSize");
    Objects.requireNonNull(negativeCropTopLeft, "negativeCropTopLeft");
    Objects.requireNonNull(negativeTargetSize, "negativeTargetSize");
    if (!Double.isFinite(aestheticScore) || !Double.isFinite(negativeAestheticScore)) {
      throw new IllegalArgumentException("aesthetic scores must be finite numbers, got " + aestheticScore + " and "
          + negativeAestheticScore);
    }
  }

  /**
   * The time ids of the conditional half, diffusers' order: original height and width, crop top and left, then
   * target height and width (six), or the aesthetic score (five, the refiner's).
   *
   * @param picture the size of the picture being made, for the sizes left empty
   * @param aesthetic whether the model takes the refiner's ids ({@code requires_aesthetics_score})
   */
  public double[] timeIds(Size picture, boolean aesthetic) {
    return ids(originalSize.orElse(picture), cropTopLeft, targetSize.orElse(picture), aesthetic, aestheticScore);
  }

  /** {@link #timeIds} of the unconditional half: each negative field, else its default (see the fields). */
  public double[] negativeTimeIds(Size picture, boolean aesthetic) {
    Crop crop = negativeCropTopLeft.orElse(aesthetic || negativeOriginalSize.isPresent()
        && negativeTargetSize.isPresent() ? Crop.NONE : cropTopLeft);
    return ids(negativeOriginalSize.or(() -> originalSize).orElse(picture), crop,
        negativeTargetSize.or(() -> targetSize).orElse(picture), aesthetic, negativeAestheticScore);
  }

  private static double[] ids(Size original, Crop crop, Size target, boolean aesthetic, double score) {
    return aesthetic ? new double[] {original.height(), original.width(), crop.top(), crop.left(), score}
        : new double[] {original.height(), original.width(), crop.top(), crop.left(), target.height(),
            target.width()};
  }

  /** A builder holding this conditioning's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.prompt2 = prompt2;
    b.negativePrompt2 = negativePrompt2;
    b.originalSize = originalSize;
    b.cropTopLeft = cropTopLeft;
    b.targetSize = targetSize;
    b.negativeOriginalSize = negativeOriginalSize;
    b.negativeCropTopLeft = negativeCropTopLeft;
    b.negativeTargetSize = negativeTargetSize;
    b.aestheticScore = aestheticScore;
    b.negativeAestheticScore = negativeAestheticScore;
    return b;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link SdxlConditioning}s. */
  public static final class Builder {
    private Optional<String> prompt2 = Optional.empty();
    private Optional<String> negativePrompt2 = Optional.empty();
    private Optional<Size> originalSize = Optional.empty();
    private Crop cropTopLeft = Crop.NONE;
    private Optional<Size> targetSize = Optional.empty();
    private Optional<Size> negativeOriginalSize = Optional.empty();
    private Optional<Crop> negativeCropTopLeft = Optional.empty();
    private Optional<Size> negativeTargetSize = Optional.empty();
    private double aestheticScore = DEFAULT_AESTHETIC_SCORE;
    private double negativeAestheticScore = DEFAULT_NEGATIVE_AESTHETIC_SCORE;

    private Builder() {}

    /** What the second text encoder reads instead of the prompt. */
    public Builder prompt2(String prompt2) {
      this.prompt2 = Optional.of(prompt2);
      return this;
    }

    /** What the second text encoder reads instead of the negative prompt. */
    public Builder negativePrompt2(String negativePrompt2) {
      this.negativePrompt2 = Optional.of(negativePrompt2);
      return this;
    }

    public Builder originalSize(int width, int height) {
      this.originalSize = Optional.of(new Size(width, height));
      return this;
    }

    public Builder cropTopLeft(int top, int left) {
      this.cropTopLeft = new Crop(top, left);
      return this;
    }

    public Builder targetSize(int width, int height) {
      this.targetSize = Optional.of(new Size(width, height));
      return this;
    }

    public Builder negativeOriginalSize(int width, int height) {
      this.negativeOriginalSize = Optional.of(new Size(width, height));
      return this;
    }

    public Builder negativeCropTopLeft(int top, int left) {
      this.negativeCropTopLeft = Optional.of(new Crop(top, left));
      return this;
    }

    public Builder negativeTargetSize(int width, int height) {
      this.negativeTargetSize = Optional.of(new Size(width, height));
      return this;
    }

    /** The refiner's aesthetic scores, of the conditional and the unconditional half. */
    public Builder aestheticScores(double score, double negativeScore) {
      this.aestheticScore = score;
      this.negativeAestheticScore = negativeScore;
      return this;
    }

    public SdxlConditioning build() {
      return new SdxlConditioning(prompt2, negativePrompt2, originalSize, cropTopLeft, targetSize,
          negativeOriginalSize, negativeCropTopLeft, negativeTargetSize, aestheticScore, negativeAestheticScore);
    }
  }
}
