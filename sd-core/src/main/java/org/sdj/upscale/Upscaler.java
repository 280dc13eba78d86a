package org.sdj.upscale;

import java.awt.image.BufferedImage;
import org.sdj.image.Images;

/**
 * One of AUTOMATIC1111's upscalers: a pass that enlarges a picture (its {@code do_upscale}), run as its
 * {@code Upscaler.upscale} runs it ({@link #upscale}). An ESRGAN network enlarges by its own factor
 * ({@link ModelUpscaler#tiled}); {@link #LANCZOS} and {@link #NONE} by the factor asked or not at all.
 */
@FunctionalInterface
public interface Upscaler {
  /** A1111's "None": a pass leaves the picture as it is, so {@link #upscale} is Lanczos's fit alone. */
  Upscaler NONE = (image, scale) -> image;

  /** A1111's "Lanczos": a pass is Pillow's Lanczos resize by the factor asked, each side {@code (int) (side * scale)}. */
  Upscaler LANCZOS = (image, scale) -> Images.resize(image, (int) (image.getWidth() * scale),
      (int) (image.getHeight() * scale));

  /** A1111's "Nearest": a pass is Pillow's nearest-neighbour resize by the factor asked. */
  Upscaler NEAREST = (image, scale) -> Images.resizeNearest(image, (int) (image.getWidth() * scale),
      (int) (image.getHeight() * scale));

  /**
   * One pass over {@code image} (A1111's {@code do_upscale}).
   *
   * @param scale the factor {@link #upscale} was asked for, which an upscaler of a fixed factor ignores
   * @return the picture after the pass: larger, or the same where the upscaler cannot enlarge it
   */
  BufferedImage enlarge(BufferedImage image, double scale);

  /**
   * {@code image} enlarged {@code scale} times as A1111's {@code Upscaler.upscale} does: the target sides are
   * {@code side * scale} rounded down to a multiple of 8; passes run until the picture covers the target (three at
   * most, and no more once a pass leaves the size as it was), then Pillow's Lanczos fits the target.
   *
   * @return a new {@code TYPE_INT_RGB} image of the target size
   * @throws IllegalArgumentException for a factor that is not a positive number, or a target side under 8 or over
   *     {@link Images#MAX_SIDE}
   */
  default BufferedImage upscale(BufferedImage image, double scale) {
    if (!(scale > 0) || !Double.isFinite(scale)) {
      throw new IllegalArgumentException("upscale factor must be a positive number, got " + scale);
    }
    int targetWidth = (int) (Math.floor(image.getWidth() * scale / 8) * 8);
    int targetHeight = (int) (Math.floor(image.getHeight() * scale / 8) * 8);
    if (targetWidth < 8 || targetHeight < 8 || targetWidth > Images.MAX_SIDE || targetHeight > Images.MAX_SIDE) {
      throw new IllegalArgumentException("a " + image.getWidth() + "x" + image.getHeight() + " picture times " + scale
          + " is " + targetWidth + "x" + targetHeight + ": each side must be from 8 to " + Images.MAX_SIDE
          + " pixels");
    }
    BufferedImage out = image;
    for (int pass = 0; pass < 3; pass++) {
      int beforeWidth = out.getWidth();
      int beforeHeight = out.getHeight();
      out = enlarge(out, scale);
      if (out.getWidth() == beforeWidth && out.getHeight() == beforeHeight
          || out.getWidth() >= targetWidth && out.getHeight() >= targetHeight) {
        break;
      }
    }
    return Images.resize(out, targetWidth, targetHeight);
  }
}
