package org.sdj;

import java.awt.image.BufferedImage;
import java.util.Objects;
import org.sdj.image.ResizeMode;

/**
 * What a ControlNet ({@link StableDiffusion.Builder#controlNet}) follows in one request, as diffusers'
 * {@code StableDiffusionControlNetPipeline} takes it: the control image (edges, depth, pose... already made, as the
 * ControlNet expects), resized to the picture's size, and how strongly and when it steers.
 *
 * @param image the control image; brought to the picture's size by {@code resizeMode}
 * @param scale {@code controlnet_conditioning_scale} ({@value #DEFAULT_SCALE}; A1111's "Control Weight"), at least 0
 * @param guidanceStart {@code control_guidance_start}: the fraction of the steps after which it starts (0)
 * @param guidanceEnd {@code control_guidance_end}: the fraction of the steps after which it stops (1)
 * @param resizeMode how an image of another shape is brought to the picture's size: {@link ResizeMode#JUST_RESIZE}
 *     (stretched, as diffusers' pipelines resize it), or A1111's ControlNet unit's "Crop and Resize" or "Resize and
 *     Fill"
 * @param preprocessor what is made of the image first ({@link ControlPreprocessor#NONE}: it is the control image)
 */
public record Control(BufferedImage image, double scale, double guidanceStart, double guidanceEnd,
    ResizeMode resizeMode, ControlPreprocessor preprocessor) {
  public static final double DEFAULT_SCALE = 1.0;

  public Control {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(resizeMode, "resizeMode");
    Objects.requireNonNull(preprocessor, "preprocessor");
  }

  /** A control image brought to the picture's size by {@code resizeMode}, not preprocessed. */
  public Control(BufferedImage image, double scale, double guidanceStart, double guidanceEnd,
      ResizeMode resizeMode) {
    this(image, scale, guidanceStart, guidanceEnd, resizeMode, ControlPreprocessor.NONE);
  }

  /** A control image stretched to the picture's size ({@link ResizeMode#JUST_RESIZE}). */
  public Control(BufferedImage image, double scale, double guidanceStart, double guidanceEnd) {
    this(image, scale, guidanceStart, guidanceEnd, ResizeMode.JUST_RESIZE);
  }

  /** This control, its image brought to the picture's size by {@code mode}. */
  public Control withResizeMode(ResizeMode mode) {
    return new Control(image, scale, guidanceStart, guidanceEnd, mode, preprocessor);
  }

  /** This control, its image made into the control image by {@code first} (Canny's edges of a picture, say). */
  public Control withPreprocessor(ControlPreprocessor first) {
    return new Control(image, scale, guidanceStart, guidanceEnd, resizeMode, first);
  }

  /** The control image: the image as the preprocessor makes it, at its own size. */
  public BufferedImage controlImage() {
    return preprocessor.apply(image);
  }

  /** {@code image} at full strength for every step. */
  public static Control of(BufferedImage image) {
    return new Control(image, DEFAULT_SCALE, 0, 1);
  }

  /** Why these values cannot run, if they cannot. */
  String problem() {
    if (!(scale >= 0 && Double.isFinite(scale))) {
      return "the ControlNet's scale must be a finite number at least 0, got " + scale;
    }
    if (!(guidanceStart >= 0 && guidanceStart < guidanceEnd && guidanceEnd <= 1)) {
      return "the ControlNet's guidance window must satisfy 0 <= start < end <= 1, got " + guidanceStart + " to "
          + guidanceEnd;
    }
    return "";
  }
}
