package org.sdj;

import java.awt.image.BufferedImage;
import org.sdj.image.MaskCrop;
import org.sdj.image.ResizeMode;

/**
 * Inpainting of the masked area alone (A1111's "Inpaint area: Only masked", diffusers' {@code padding_mask_crop}): the
 * region around the mask, cut from the picture and its mask and brought to the generation's size by
 * {@link ResizeMode#RESIZE_AND_FILL}, is what the loop repaints; each picture it makes is put back into the original.
 */
final class OnlyMasked {
  private final BufferedImage original;
  private final BufferedImage originalMask;
  private final MaskCrop region;
  private final BufferedImage image;
  private final BufferedImage mask;
  private final int width;
  private final int height;

  private OnlyMasked(BufferedImage original, BufferedImage originalMask, MaskCrop region, int width, int height) {
    this.original = original;
    this.originalMask = originalMask;
    this.region = region;
    this.width = width;
    this.height = height;
    this.image = ResizeMode.RESIZE_AND_FILL.apply(region.crop(original), width, height);
    this.mask = ResizeMode.RESIZE_AND_FILL.apply(region.crop(originalMask), width, height);
  }

  /**
   * The region of {@code image} around {@code mask}'s area, {@code padding} pixels wider on each side and grown to
   * {@code width:height}, to repaint at {@code width x height}.
   *
   * @throws InvalidRequestException if the mask is not the picture's size, or repaints nothing
   */
  static OnlyMasked of(BufferedImage image, BufferedImage mask, int width, int height, int padding) {
    if (mask.getWidth() != image.getWidth() || mask.getHeight() != image.getHeight()) {
      throw new InvalidRequestException("the mask is " + mask.getWidth() + "x" + mask.getHeight() + " and the picture "
          + image.getWidth() + "x" + image.getHeight() + ": inpainting the masked area alone needs them the same"
          + " size");
    }
    try {
      return new OnlyMasked(image, mask, MaskCrop.around(mask, width, height, padding), width, height);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }

  /** The region of the picture at the generation's size: the loop's image. */
  BufferedImage image() {
    return image;
  }

  /** The region of the mask at the generation's size: the loop's mask. */
  BufferedImage mask() {
    return mask;
  }

  /**
   * A ControlNet's or T2I-Adapter's control, its control image (preprocessed first) cut and filled as the picture is
   * (diffusers' ControlNet inpainting pipeline with {@code padding_mask_crop}).
   *
   * @throws InvalidRequestException if the control image is not the picture's size
   */
  Control control(Control control) {
    BufferedImage image = control.controlImage();
    if (image.getWidth() != original.getWidth() || image.getHeight() != original.getHeight()) {
      throw new InvalidRequestException("the control image is " + image.getWidth() + "x" + image.getHeight()
          + " and the picture " + original.getWidth() + "x" + original.getHeight() + ": inpainting the masked area"
          + " alone cuts both alike, so they need the same size");
    }
    return new Control(ResizeMode.RESIZE_AND_FILL.apply(region.crop(image), width, height), control.scale(),
        control.guidanceStart(), control.guidanceEnd());
  }

  /** {@code repainted}, the loop's picture of the region, put back into the original picture under the mask. */
  BufferedImage overlay(BufferedImage repainted) {
    return region.overlay(originalMask, original, repainted);
  }
}
