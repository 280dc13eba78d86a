package org.sdj.image;

/**
 * AUTOMATIC1111's "Masked content: fill" ({@code masking.fill}): the masked area painted with the colors around it,
 * the picture kept where the mask is black, in Pillow's arithmetic bit for bit. The picture, premultiplied by the
 * inverted mask (an {@code RGBa} paste), is blurred at radii from 256 down to 0 and each blur, unpremultiplied, laid
 * over the last ({@code alpha_composite}), the wide ones first: far from any kept pixel the color is a broad average,
 * near one it is the neighbors', and where the mask is black the picture itself ends on top.
 */
final class MaskFill {
  /** Each blur's radius and how often it is laid on, in A1111's order. */
  private static final int[][] LAYERS = {{256, 1}, {64, 1}, {16, 2}, {4, 4}, {2, 2}, {0, 1}};
  private static final int PRECISION = 7;

  private MaskFill() {}

  /**
   * @param rgb the picture, {@code 0xRRGGBB} row by row
   * @param gray the mask's gray bytes at the picture's size: 255 repaints, 0 keeps
   * @return the filled picture, {@code 0xRRGGBB}
   */
  static int[] fill(int[] rgb, int[] gray, int width, int height) {
    int n = rgb.length;
    int[][] masked = new int[4][n];
    for (int p = 0; p < n; p++) {
      int alpha = 255 - gray[p];
      for (int c = 0; c < 3; c++) {
        masked[c][p] = div255((rgb[p] >>> (16 - 8 * c) & 0xFF) * alpha);
      }
      masked[3][p] = alpha;
    }
    int[][] out = new int[4][n];
    for (int[] layer : LAYERS) {
      int[][] blurred = new int[4][];
      for (int c = 0; c < 4; c++) {
        blurred[c] = PillowBlur.channel(masked[c], width, height, layer[0]);
      }
      unpremultiply(blurred);
      for (int r = 0; r < layer[1]; r++) {
        composite(blurred, out);
      }
    }
    int[] filled = new int[n];
    for (int p = 0; p < n; p++) {
      filled[p] = out[0][p] << 16 | out[1][p] << 8 | out[2][p];
    }
    return filled;
  }

  /** Pillow's {@code RGBa} to {@code RGBA} conversion, in place: each color times 255 over alpha, truncated. */
  private static void unpremultiply(int[][] rgba) {
    int[] alpha = rgba[3];
    for (int p = 0; p < alpha.length; p++) {
      int a = alpha[p];
      if (a != 0 && a != 255) {
        for (int c = 0; c < 3; c++) {
          rgba[c][p] = Math.min(255, 255 * rgba[c][p] / a);
        }
      }
    }
  }

  /** Pillow's {@code alpha_composite} of {@code source} over {@code destination}, in place (7-bit precision). */
  private static void composite(int[][] source, int[][] destination) {
    for (int p = 0; p < source[3].length; p++) {
      long sourceAlpha = source[3][p];
      if (sourceAlpha == 0) {
        continue;
      }
      long blend = destination[3][p] * (255 - sourceAlpha);
      long alpha255 = sourceAlpha * 255 + blend;
      long coef1 = sourceAlpha * 255 * 255 * (1 << PRECISION) / alpha255;
      long coef2 = 255 * (1 << PRECISION) - coef1;
      for (int c = 0; c < 3; c++) {
        long sum = source[c][p] * coef1 + destination[c][p] * coef2 + (0x80 << PRECISION);
        destination[c][p] = (int) (shiftForDiv255(sum) >> PRECISION);
      }
      destination[3][p] = (int) shiftForDiv255(alpha255 + 0x80);
    }
  }

  private static long shiftForDiv255(long value) {
    return ((value >> 8) + value) >> 8;
  }

  /** Pillow's rounded division by 255 of a product of two bytes. */
  private static int div255(int value) {
    int t = value + 128;
    return ((t >> 8) + t) >> 8;
  }
}
