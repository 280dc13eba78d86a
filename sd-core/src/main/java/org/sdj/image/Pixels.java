package org.sdj.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/** Reads any {@link BufferedImage} as packed {@code 0xRRGGBB} pixels, the way PIL's {@code convert("RGB")} sees them. */
final class Pixels {
  private Pixels() {}

  /**
   * The pixels row by row. Alpha is dropped, not composited: the stored colour of each pixel is kept, as PIL's
   * {@code convert("RGB")} does (a premultiplied image gives its un-premultiplied colours, so fully transparent pixels
   * are black). Grayscale is replicated into R, G and B.
   */
  static int[] rgb(BufferedImage image) {
    int width = image.getWidth();
    int height = image.getHeight();
    if (isGray(image.getColorModel())) {
      return grayAsRgb(image.getRaster(), image.getColorModel().getComponentSize(0), width, height);
    }
    int[] pixels = image.getRGB(0, 0, width, height, null, 0, width);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] &= 0xFFFFFF;
    }
    return pixels;
  }

  /** A new {@code TYPE_INT_RGB} image holding {@code pixels} ({@code 0xRRGGBB}, row by row). */
  static BufferedImage image(int[] pixels, int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    // A TYPE_INT_RGB raster stores exactly 0xRRGGBB per pixel; copying beats setRGB's per-pixel colour model calls.
    int[] data = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
    System.arraycopy(pixels, 0, data, 0, pixels.length);
    return image;
  }

  // Java treats its gray colour space as linear and brightens it on the way to sRGB (getRGB turns 128 into 188);
  // PIL and every other tool read a gray sample as the sRGB value it is, so the raster is read directly.
  private static boolean isGray(ColorModel model) {
    return model.getColorSpace().getType() == ColorSpace.TYPE_GRAY
        && model.getNumColorComponents() == 1
        && !(model instanceof IndexColorModel);
  }

  private static int[] grayAsRgb(Raster raster, int bits, int width, int height) {
    int[] samples = raster.getSamples(0, 0, width, height, 0, (int[]) null);
    double max = (1L << bits) - 1;
    int[] pixels = new int[samples.length];
    for (int i = 0; i < samples.length; i++) {
      int v = bits == 8 ? samples[i] : (int) Math.round(samples[i] * 255 / max);
      pixels[i] = v << 16 | v << 8 | v;
    }
    return pixels;
  }
}
