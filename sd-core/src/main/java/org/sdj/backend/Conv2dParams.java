package org.sdj.backend;

/**
 * Stride and zero padding of a 2-D convolution. Padding is given per side because the VAE encoder's downsampling pads
 * only bottom and right.
 */
public record Conv2dParams(int stride, int padTop, int padBottom, int padLeft, int padRight) {
  public Conv2dParams {
    if (stride < 1 || padTop < 0 || padBottom < 0 || padLeft < 0 || padRight < 0) {
      throw new IllegalArgumentException("bad convolution parameters: " + this);
    }
  }

  /** Symmetric padding on all four sides. */
  public static Conv2dParams of(int stride, int padding) {
    return new Conv2dParams(stride, padding, padding, padding, padding);
  }

  /** Output size along one axis for an input of {@code in} and a kernel of {@code k}. */
  public long outSize(long in, long k, int padBefore, int padAfter) {
    return (in + padBefore + padAfter - k) / stride + 1;
  }
}
