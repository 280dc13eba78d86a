package org.sdj.image;

import java.util.Arrays;

/** Checks of the {@code [N, C, H, W]} float arrays this package takes. */
final class NchwShape {
  private NchwShape() {}

  /**
   * @throws IllegalArgumentException unless {@code shape} is {@code [N, channels, H, W]} with positive dims whose
   *     product is {@code data.length}
   */
  static void check(String what, float[] data, long[] shape, int channels) {
    if (shape.length != 4 || shape[1] != channels) {
      throw new IllegalArgumentException(what + " must have shape [N, " + channels + ", H, W], got "
          + Arrays.toString(shape));
    }
    long numel = 1;
    for (long dim : shape) {
      if (dim <= 0 || dim > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(what + " shape " + Arrays.toString(shape) + " has an empty or huge dim");
      }
      numel = numel > data.length ? numel : numel * dim; // stops growing once too big, so it cannot overflow
    }
    if (numel != data.length) {
      throw new IllegalArgumentException(what + " shape " + Arrays.toString(shape) + " does not match the "
          + data.length + " values given");
    }
  }
}
