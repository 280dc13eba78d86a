package org.sdj.image;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How a picture of another shape is brought to a size: AUTOMATIC1111's resize modes ({@code images.resize_image}),
 * which diffusers' image processor ports as its {@code resize_mode} ({@code default}, {@code crop}, {@code fill}).
 * Every resampling is Pillow's Lanczos, bit for bit ({@link Images#resize}).
 */
public enum ResizeMode {
  /** A1111's "Just resize", diffusers' {@code default}: stretched to the size, the aspect ratio not kept. */
  JUST_RESIZE,
  /** A1111's "Crop and resize", diffusers' {@code crop}: scaled to cover the size, centered, the excess cut off. */
  CROP_AND_RESIZE,
  /**
   * A1111's "Resize and fill", diffusers' {@code fill}: scaled to fit within the size, centered, the bands left on two
   * sides filled by stretching the picture's edge rows or columns (whose one-pixel remainder, where the bands' total is
   * odd, stays black, as in both).
   */
  RESIZE_AND_FILL;

  /**
   * The bands' filter: A1111 and diffusers stretch the edges with Pillow's {@code resize} without a filter, whose
   * default is bicubic.
   */
  private static final PillowResize.Filter BAND_FILTER = PillowResize.Filter.BICUBIC;

  /** The short name: {@code just-resize}, {@code crop-and-resize}, {@code resize-and-fill}. */
  public String shortName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The mode a short name or A1111 name ({@code Crop and resize}) names, in any case. */
  public static Optional<ResizeMode> named(String name) {
    String key = name.strip().toLowerCase(Locale.ROOT).replace(' ', '-');
    return Arrays.stream(values()).filter(m -> m.shortName().equals(key)).findFirst();
  }

  /**
   * {@code image} brought to {@code width x height} this way: {@code image} itself where it has that size (as
   * Pillow's {@code resize} copies it), else a new {@code TYPE_INT_RGB} image.
   */
  public BufferedImage apply(BufferedImage image, int width, int height) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("size must be positive, got " + width + "x" + height);
    }
    if (image.getWidth() == width && image.getHeight() == height) {
      return image;
    }
    return switch (this) {
      case JUST_RESIZE -> Images.resize(image, width, height);
      case CROP_AND_RESIZE -> cropAndResize(image, width, height);
      case RESIZE_AND_FILL -> resizeAndFill(image, width, height);
    };
  }

  private static BufferedImage cropAndResize(BufferedImage image, int width, int height) {
    // The ratios compared as A1111 and diffusers compare them, in floating point.
    double ratio = (double) width / height;
    double sourceRatio = (double) image.getWidth() / image.getHeight();
    int w = ratio > sourceRatio ? width : image.getWidth() * height / image.getHeight();
    int h = ratio <= sourceRatio ? height : image.getHeight() * width / image.getWidth();
    int[] out = new int[width * height];
    paste(out, width, height, Pixels.rgb(Images.resize(image, w, h)), w, h, width / 2 - w / 2, height / 2 - h / 2);
    return Pixels.image(out, width, height);
  }

  private static BufferedImage resizeAndFill(BufferedImage image, int width, int height) {
    double ratio = (double) width / height;
    double sourceRatio = (double) image.getWidth() / image.getHeight();
    int w = ratio < sourceRatio ? width : image.getWidth() * height / image.getHeight();
    int h = ratio >= sourceRatio ? height : image.getHeight() * width / image.getWidth();
    int[] resized = Pixels.rgb(Images.resize(image, w, h));
    int[] out = new int[width * height];
    paste(out, width, height, resized, w, h, width / 2 - w / 2, height / 2 - h / 2);
    if (ratio < sourceRatio) {
      int band = height / 2 - h / 2;
      if (band > 0) {
        paste(out, width, height, PillowResize.resize(resized, w, h, width, band, BAND_FILTER, 0, 0,
            width, 0), width, band, 0, 0);
        paste(out, width, height, PillowResize.resize(resized, w, h, width, band, BAND_FILTER, 0, h,
            width, h), width, band, 0, band + h);
      }
    } else if (ratio > sourceRatio) {
      int band = width / 2 - w / 2;
      if (band > 0) {
        paste(out, width, height, PillowResize.resize(resized, w, h, band, height, BAND_FILTER, 0, 0,
            0, height), band, height, 0, 0);
        paste(out, width, height, PillowResize.resize(resized, w, h, band, height, BAND_FILTER, w, 0,
            w, height), band, height, band + w, 0);
      }
    }
    return Pixels.image(out, width, height);
  }

  /** Pillow's {@code paste(source, (x, y))}: the part of {@code source} that falls within {@code out}. */
  static void paste(int[] out, int outWidth, int outHeight, int[] source, int width, int height, int x, int y) {
    for (int row = Math.max(0, -y); row < height && y + row < outHeight; row++) {
      int from = Math.max(0, -x);
      int to = Math.min(width, outWidth - x);
      if (to > from) {
        System.arraycopy(source, row * width + from, out, (y + row) * outWidth + x + from, to - from);
      }
    }
  }
}
