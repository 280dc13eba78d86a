package org.sdj.random;

import org.sdj.SdjException;

/**
 * A seeded stream of unit-normal floats drawn as one of torch's generators draws {@code torch.randn}: each call
 * continues where the last one stopped, so the same seed and the same sequence of counts give the same values.
 *
 * <p>Not thread-safe: implementations carry their state from draw to draw. Use one per request.
 */
public interface NoiseGenerator {
  /**
   * Draws {@code torch.randn(count)}.
   *
   * @param count number of values, at least 0
   * @return a new array of {@code count} unit-normal floats
   */
  float[] randn(int count);

  /**
   * Draws {@code torch.randn(shape)}: the shape only sets the count, the values come out row-major.
   *
   * @param shape non-negative dimensions, for instance {@code [1, 4, 64, 64]} for SD latents
   * @return a new array of the product of the dimensions unit-normal floats
   */
  default float[] randn(long... shape) {
    return randn(count(shape));
  }

  /** A generator in this one's state, which draws the same values from here on without advancing this one. */
  NoiseGenerator copy();

  /** The seed this generator was created with, as given. */
  long seed();

  /** The element count of {@code shape}, refused where it is negative or too large for one float array. */
  static int count(long... shape) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new SdjException("randn shape has a negative dimension: " + dim);
      }
      count = Math.multiplyExact(count, dim);
      if (count > Integer.MAX_VALUE - 8) {
        throw new SdjException("randn shape has too many elements for one float array: " + count);
      }
    }
    return (int) count;
  }

  /** Refuses a negative count. */
  static void checkCount(int count) {
    if (count < 0) {
      throw new SdjException("randn count must not be negative: " + count);
    }
  }
}
