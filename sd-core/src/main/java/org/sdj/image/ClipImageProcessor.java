package org.sdj.image;

import java.awt.image.BufferedImage;

/**
 * transformers' {@code CLIPImageProcessor} (its PIL backend) as diffusers builds it for an IP-Adapter's image encoder,
 * {@code CLIPImageProcessor(size=S, crop_size=S)}: the image as RGB, resized with Pillow's bicubic filter so that its
 * shorter side is {@code S}, the centre {@code S x S} cropped, scaled to [0, 1] and normalized with OpenAI CLIP's mean
 * and standard deviation. The values equal transformers' {@code pixel_values} bit for bit.
 */
public final class ClipImageProcessor {
  private static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
  private static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};
  /** transformers' {@code rescale_factor}, the float64 {@code 1 / 255}. */
  private static final double RESCALE = 1.0 / 255;

  private ClipImageProcessor() {}

  /**
   * The image encoder's input for {@code image}.
   *
   * @param size {@code S}, the encoder's {@code image_size} (224 for IP-Adapter's encoders)
   * @return {@code [3, S, S]}, channels first (R, G, B), rows top to bottom
   * @throws IllegalArgumentException if {@code size} is not positive
   */
  public static float[] pixelValues(BufferedImage image, int size) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be positive, got " + size);
    }
    int width = image.getWidth();
    int height = image.getHeight();
    int newWidth = width <= height ? size : longSide(size, width, height);
    int newHeight = width <= height ? longSide(size, height, width) : size;
    int[] rgb = Pixels.rgb(image);
    // Pillow hands back a copy, not a resampled image, when the size is already right.
    if (newWidth != width || newHeight != height) {
      rgb = PillowResize.resize(rgb, width, height, newWidth, newHeight, PillowResize.Filter.BICUBIC);
    }
    // transformers' center_crop: floor division of the margins, the extra pixel of an odd margin at the far side.
    int top = (newHeight - size) / 2;
    int left = (newWidth - size) / 2;
    int plane = size * size;
    float[] out = new float[3 * plane];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int p = rgb[(y + top) * newWidth + x + left];
        for (int c = 0; c < 3; c++) {
          int value = p >>> (16 - 8 * c) & 0xFF;
          // Rescaled in float64 then stored as float32, normalized in float32, as numpy does it there.
          float unit = (float) (value * RESCALE);
          out[c * plane + y * size + x] = (unit - MEAN[c]) / STD[c];
        }
      }
    }
    return out;
  }

  /** transformers' {@code int(size * long / short)}: the long side scaled, truncated. */
  private static int longSide(int size, int longSide, int shortSide) {
    return (int) ((double) size * longSide / shortSide);
  }
}
