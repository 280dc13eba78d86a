package org.sdj.model.nn;

/** torch's {@code nn.PixelUnshuffle} on the host, for inputs made there (a control image, an upscaler's picture). */
public final class PixelUnshuffle {
  private PixelUnshuffle() {}

  /**
   * torch's {@code PixelUnshuffle(factor)} on the host: {@code [N, C, H, W] -> [N, C f^2, H / f, W / f]}, channel
   * {@code c f^2 + i f + j} holding the pixels at offset {@code (i, j)} of each {@code f x f} block.
   *
   * @param image {@code [n, channels, height, width]} flattened
   */
  public static float[] apply(float[] image, int n, int channels, int height, int width, int factor) {
    if (height % factor != 0 || width % factor != 0 || image.length != n * channels * height * width) {
      throw new IllegalArgumentException(image.length + " values are not [" + n + ", " + channels + ", " + height
          + ", " + width + "] with sides that are multiples of " + factor);
    }
    int h = height / factor;
    int w = width / factor;
    float[] out = new float[image.length];
    int at = 0;
    for (int b = 0; b < n; b++) {
      for (int c = 0; c < channels; c++) {
        for (int i = 0; i < factor; i++) {
          for (int j = 0; j < factor; j++) {
            for (int y = 0; y < h; y++) {
              int row = ((b * channels + c) * height + y * factor + i) * width + j;
              for (int x = 0; x < w; x++) {
                out[at++] = image[row + x * factor];
              }
            }
          }
        }
      }
    }
    return out;
  }
}
