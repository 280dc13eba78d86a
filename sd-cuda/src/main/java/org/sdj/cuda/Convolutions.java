package org.sdj.cuda;

/**
 * 2-D cross-correlations on 16-bit data with float accumulation, in the layouts {@link Convolution.Key} describes:
 * {@link Convolution} on cuDNN, or a host computation in sd-cuda's tests.
 */
interface Convolutions {
  /**
   * Enqueues {@code y = conv(x, weight)} for {@code key}'s shapes (symmetric padding, one stride, no dilation);
   * {@code y} is {@code [n, o, outH, outW]} ({@code [n, outH, outW, o]} with {@link Convolution.Key#nhwc()}). A
   * workspace comes from {@code memory}.
   */
  void forward(Convolution.Key key, long x, long weight, long y, int outH, int outW, BlockCache memory);
}
