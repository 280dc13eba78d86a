package org.sdj.image;

import java.awt.image.BufferedImage;

/** The pictures and masks that {@code src/test/resources/mask-crop/make_mask_crop_reference.py.txt} draws. */
public final class TestPictures {
  private TestPictures() {}

  /** The generator script's pattern: R = (37 x + 11 y) % 256, G = (x^2 + 3 y^2) % 256, B = 255 where x + y is odd. */
  public static BufferedImage pattern(int w, int h, boolean reverse) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int xx = reverse ? w - 1 - x : x;
        int yy = reverse ? h - 1 - y : y;
        image.setRGB(x, y, (xx * 37 + yy * 11) % 256 << 16 | (xx * xx + 3 * yy * yy) % 256 << 8
            | ((xx ^ yy) & 1) * 255);
      }
    }
    return image;
  }

  /** The generator script's masks at {@code w x h}, seen from {@code (dx, dy)}. */
  public static BufferedImage mask(int k, int w, int h, int dx, int dy) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int mx = x + dx;
        int my = y + dy;
        int v = switch (k) {
          case 0 -> mx >= 30 && mx < 42 && my >= 20 && my < 28 ? 255
              : mx >= 29 && mx < 43 && my >= 19 && my < 29 ? 128 : 0;
          case 1 -> mx >= 3 && mx < 7 && my >= 50 && my < 70 ? 255 : 0;
          default -> mx >= 70 && mx < 80 && my < 4 ? 255 : 0;
        };
        image.setRGB(x, y, v << 16 | v << 8 | v);
      }
    }
    return image;
  }

  public static BufferedImage mask(int k, int w, int h) {
    return mask(k, w, h, 0, 0);
  }

  /** A color ramp, R = 255 x / W, G = 255 y / H, B = 128 (integer division), as the generator scripts draw it. */
  public static BufferedImage ramp(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, (x * 255 / width) << 16 | (y * 255 / height) << 8 | 128);
      }
    }
    return image;
  }

  /** {@code image}'s bytes as Pillow's {@code tobytes()} gives an RGB image's, each as a float. */
  public static float[] bytes(BufferedImage image) {
    float[] bytes = new float[image.getWidth() * image.getHeight() * 3];
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y);
        int i = 3 * (y * image.getWidth() + x);
        bytes[i] = rgb >>> 16 & 0xFF;
        bytes[i + 1] = rgb >>> 8 & 0xFF;
        bytes[i + 2] = rgb & 0xFF;
      }
    }
    return bytes;
  }
}
