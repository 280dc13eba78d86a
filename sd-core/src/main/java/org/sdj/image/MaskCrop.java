package org.sdj.image;

import java.awt.image.BufferedImage;

/**
 * Inpainting of the masked area alone (AUTOMATIC1111's "Inpaint area: Only masked", diffusers'
 * {@code padding_mask_crop}): the region around the mask is cut out, repainted at the generation's size, and put back
 * into the picture where the mask is. The region, the fill and the overlay follow diffusers' {@code VaeImageProcessor}
 * ({@code get_crop_region}, {@code apply_overlay}), ports of A1111's {@code masking} code, with Pillow's 8-bit
 * arithmetic.
 *
 * @param x1 left edge of the region, inclusive
 * @param y1 top edge, inclusive
 * @param x2 right edge, exclusive
 * @param y2 bottom edge, exclusive
 */
public record MaskCrop(int x1, int y1, int x2, int y2) {
  /** A1111's default "Only masked padding, pixels". */
  public static final int DEFAULT_PADDING = 32;

  public MaskCrop {
    if (x1 < 0 || y1 < 0 || x2 <= x1 || y2 <= y1) {
      throw new IllegalArgumentException("bad crop region (" + x1 + ", " + y1 + ", " + x2 + ", " + y2 + ")");
    }
  }

  public int width() {
    return x2 - x1;
  }

  public int height() {
    return y2 - y1;
  }

  /**
   * The region to repaint: the box around the mask's pixels that are not black, widened by {@code padding} on each side
   * (within the picture), then grown along one axis toward {@code width:height}, the generation's aspect ratio
   * (shifted back inside the picture where it overhangs, cut where it still does).
   *
   * @throws IllegalArgumentException if the mask is black everywhere: it repaints nothing
   */
  public static MaskCrop around(BufferedImage mask, int width, int height, int padding) {
    if (padding < 0) {
      throw new IllegalArgumentException("the masked area's padding must be at least 0, got " + padding);
    }
    int[] gray = Images.gray(mask);
    int w = mask.getWidth();
    int h = mask.getHeight();
    int left = w;
    int right = -1;
    int top = h;
    int bottom = -1;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (gray[y * w + x] != 0) {
          left = Math.min(left, x);
          right = Math.max(right, x);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
      }
    }
    if (right < 0) {
      throw new IllegalArgumentException("the mask is black everywhere: it repaints nothing, so there is no masked"
          + " area to inpaint");
    }
    int x1 = Math.max(left - padding, 0);
    int y1 = Math.max(top - padding, 0);
    int x2 = Math.min(right + 1 + padding, w);
    int y2 = Math.min(bottom + 1 + padding, h);
    double regionRatio = (double) (x2 - x1) / (y2 - y1);
    double processingRatio = (double) width / height;
    if (regionRatio > processingRatio) {
      int[] rows = grown(y1, y2, (int) ((x2 - x1) / processingRatio - (y2 - y1)), h);
      y1 = rows[0];
      y2 = rows[1];
    } else {
      int[] columns = grown(x1, x2, (int) ((y2 - y1) * processingRatio - (x2 - x1)), w);
      x1 = columns[0];
      x2 = columns[1];
    }
    return new MaskCrop(x1, y1, x2, y2);
  }

  /**
   * {@code [lo, hi)} grown by {@code grow} (half before, the rest after), shifted back inside {@code [0, limit)} where
   * it overhangs the end, then the start, and cut where it still does.
   */
  private static int[] grown(int lo, int hi, int grow, int limit) {
    lo -= grow / 2;
    hi += grow - grow / 2;
    if (hi >= limit) {
      int over = hi - limit;
      hi -= over;
      lo -= over;
    }
    if (lo < 0) {
      hi -= lo;
      lo = 0;
    }
    return new int[] {lo, Math.min(hi, limit)};
  }

  /** The region of {@code image} (Pillow's {@code crop}). */
  public BufferedImage crop(BufferedImage image) {
    if (x2 > image.getWidth() || y2 > image.getHeight()) {
      throw new IllegalArgumentException("crop region (" + x1 + ", " + y1 + ", " + x2 + ", " + y2 + ") is not within"
          + " the " + image.getWidth() + "x" + image.getHeight() + " picture");
    }
    int[] all = Pixels.rgb(image);
    int[] out = new int[width() * height()];
    for (int y = 0; y < height(); y++) {
      System.arraycopy(all, (y1 + y) * image.getWidth() + x1, out, y * width(), width());
    }
    return Pixels.image(out, width(), height());
  }

  /**
   * {@code repainted} (the region, made at the generation's size) put back into {@code original} under {@code mask}:
   * brought to the region's size as {@link ResizeMode#CROP_AND_RESIZE}, placed there on black, and covered by the
   * original where the mask is not white, in proportion to the mask's gray, as diffusers' {@code apply_overlay}
   * (Pillow's premultiplied paste and {@code alpha_composite}).
   *
   * @return a new {@code TYPE_INT_RGB} picture of {@code original}'s size
   */
  public BufferedImage overlay(BufferedImage mask, BufferedImage original, BufferedImage repainted) {
    int w = original.getWidth();
    int h = original.getHeight();
    if (mask.getWidth() != w || mask.getHeight() != h) {
      throw new IllegalArgumentException("the mask is " + mask.getWidth() + "x" + mask.getHeight() + ", the picture "
          + w + "x" + h + ": inpainting the masked area alone needs them the same size");
    }
    int[] base = new int[w * h];
    ResizeMode.paste(base, w, h, Pixels.rgb(ResizeMode.CROP_AND_RESIZE.apply(repainted, width(), height())), width(),
        height(), x1, y1);
    int[] gray = Images.gray(mask);
    int[] image = Pixels.rgb(original);
    int[] out = new int[w * h];
    for (int p = 0; p < out.length; p++) {
      // The original, premultiplied by the inverted mask as Pillow pastes RGBa, then unpremultiplied as it converts
      // to RGBA: the overlay, its alpha 255 - gray.
      int alpha = 255 - gray[p];
      int over = image[p];
      int dst = base[p];
      if (alpha == 0) {
        out[p] = dst;
        continue;
      }
      int rgb = 0;
      for (int shift = 16; shift >= 0; shift -= 8) {
        int premultiplied = div255((over >>> shift & 0xFF) * alpha);
        int color = alpha == 255 ? premultiplied : Math.min(255, 255 * premultiplied / alpha);
        rgb |= composite(color, alpha, dst >>> shift & 0xFF) << shift;
      }
      out[p] = rgb;
    }
    return Pixels.image(out, w, h);
  }

  /** One channel of Pillow's {@code alpha_composite} of a source over an opaque destination (7-bit precision). */
  private static int composite(int source, int alpha, int destination) {
    long coef1 = (long) alpha * 255 * 255 * 128 / (255L * 255);
    long coef2 = 255L * 128 - coef1;
    long sum = source * coef1 + destination * coef2 + (0x80 << 7);
    return (int) ((((sum >> 8) + sum) >> 8) >> 7);
  }

  /** Pillow's rounded division by 255 of a product of two bytes. */
  private static int div255(int value) {
    int t = value + 128;
    return ((t >> 8) + t) >> 8;
  }
}
