package org.sdj;

/**
 * AUTOMATIC1111's "Hires. fix" with its "Latent" upscaler, for txt2img: the picture is made at the request's size,
 * its latents are enlarged by {@code scale} (bilinear, as torch's {@code interpolate} without antialiasing), and a
 * second, img2img pass at the larger size repaints the fraction {@code strength} of them, drawing its noise from the
 * same seeded generator after the first pass's. The result has the larger size; its parameters keep the first pass's
 * size with the fix's fields, as A1111's infotext does.
 *
 * @param scale how much larger the final picture is, in (1, {@value #MAX_SCALE}] (A1111's "Upscale by"); each side
 *     becomes {@code (int) (side * scale)} rounded down to a multiple of the VAE's factor
 * @param strength the second pass's denoising strength, in (0, 1] ({@value #DEFAULT_STRENGTH}, A1111's default)
 * @param steps the second pass's steps; 0: the request's (A1111's "Hires steps")
 */
public record HiresFix(double scale, double strength, int steps) {
  public static final double DEFAULT_SCALE = 2;
  public static final double DEFAULT_STRENGTH = 0.7;
  public static final int MAX_SCALE = 4;
  /** The infotext's fields, as A1111 names them. */
  public static final String UPSCALE = "Hires upscale";
  public static final String STEPS = "Hires steps";
  static final String UPSCALER = "Hires upscaler";
  static final String LATENT_UPSCALER = "Latent";

  /** Twice the size, repainting 0.7 of it in as many steps as the first pass. */
  public static HiresFix defaults() {
    return new HiresFix(DEFAULT_SCALE, DEFAULT_STRENGTH, 0);
  }

  /** Why these values cannot run, if they cannot. */
  String problem() {
    if (!(scale > 1 && scale <= MAX_SCALE)) {
      return "hires fix scale must be in (1, " + MAX_SCALE + "], got " + scale;
    }
    if (!(strength > 0 && strength <= 1)) {
      return "hires fix strength must be in (0, 1], got " + strength;
    }
    if (steps < 0 || steps > Generation.MAX_STEPS) {
      return "hires fix steps must be in 0.." + Generation.MAX_STEPS + " (0: the request's), got " + steps;
    }
    return "";
  }

  /** A side of the final picture: {@code (int) (side * scale)} rounded down to a multiple of {@code factor}. */
  int target(int side, int factor) {
    return (int) (side * scale) / factor * factor;
  }

  /**
   * torch's {@code interpolate(x, size=(height, width), mode="bilinear")} (corners not aligned, no antialiasing):
   * each output sample reads the input at {@code (o + 0.5) * in / out - 0.5}, clamped at 0, between its two neighbours.
   *
   * @param x {@code [N, C, h, w]} flattened
   * @return {@code [N, C, height, width]} flattened
   */
  static float[] upscale(float[] x, long[] shape, int height, int width) {
    int planes = Math.toIntExact(shape[0] * shape[1]);
    int h = Math.toIntExact(shape[2]);
    int w = Math.toIntExact(shape[3]);
    float[] out = new float[planes * height * width];
    float scaleY = (float) h / height;
    float scaleX = (float) w / width;
    for (int p = 0; p < planes; p++) {
      for (int oy = 0; oy < height; oy++) {
        float sy = Math.max((oy + 0.5f) * scaleY - 0.5f, 0f);
        int y0 = Math.min((int) sy, h - 1);
        int y1 = Math.min(y0 + 1, h - 1);
        float ly = sy - y0;
        for (int ox = 0; ox < width; ox++) {
          float sx = Math.max((ox + 0.5f) * scaleX - 0.5f, 0f);
          int x0 = Math.min((int) sx, w - 1);
          int x1 = Math.min(x0 + 1, w - 1);
          float lx = sx - x0;
          int base = p * h * w;
          float top = x[base + y0 * w + x0] * (1 - lx) + x[base + y0 * w + x1] * lx;
          float bottom = x[base + y1 * w + x0] * (1 - lx) + x[base + y1 * w + x1] * lx;
          out[(p * height + oy) * width + ox] = top * (1 - ly) + bottom * ly;
        }
      }
    }
    return out;
  }
}
