package org.sdj.backend;

/**
 * A view of an {@link Ops} scope whose convolutions pad circularly (torch's {@code padding_mode="circular"}) along the
 * axes asked for: the input is wrapped around by its own far rows or columns, then convolved without padding along
 * those axes. Seamless tiling runs the UNet and the VAE on such a view. Only a convolution's own, symmetric padding
 * wraps: an asymmetric one (the VAE encoder's downsampling, which diffusers and the original code pad with zeros
 * before a convolution of padding 0) stays zeros, as in torch. Every other op, and {@link #close()}, goes to the
 * scope it wraps, which owns the tensors.
 */
public final class SeamlessOps implements Ops {
  private final Ops inner;
  private final boolean alongWidth;
  private final boolean alongHeight;

  private SeamlessOps(Ops inner, boolean alongWidth, boolean alongHeight) {
    this.inner = inner;
    this.alongWidth = alongWidth;
    this.alongHeight = alongHeight;
  }

  /** {@code ops} itself where neither axis wraps, else a view of it whose convolutions wrap along those axes. */
  public static Ops wrap(Ops ops, boolean alongWidth, boolean alongHeight) {
    return alongWidth || alongHeight ? new SeamlessOps(ops, alongWidth, alongHeight) : ops;
  }

  @Override
  public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p, Tensor residual) {
    boolean wrapWidth = alongWidth && p.padLeft() > 0 && p.padLeft() == p.padRight();
    boolean wrapHeight = alongHeight && p.padTop() > 0 && p.padTop() == p.padBottom();
    if (!wrapWidth && !wrapHeight) {
      return inner.conv2d(x, weight, bias, p, residual);
    }
    Tensor padded = inner.circularPad(x, wrapHeight ? p.padTop() : 0, wrapWidth ? p.padLeft() : 0);
    try {
      return inner.conv2d(padded, weight, bias, new Conv2dParams(p.stride(), wrapHeight ? 0 : p.padTop(),
          wrapHeight ? 0 : p.padBottom(), wrapWidth ? 0 : p.padLeft(), wrapWidth ? 0 : p.padRight()), residual);
    } finally {
      padded.close();
    }
  }

  @Override
  public Tensor circularPad(Tensor x, int padHeight, int padWidth) {
    return inner.circularPad(x, padHeight, padWidth);
  }

  @Override
  public Backend backend() {
    return inner.backend();
  }

  @Override
  public Tensor fromHost(float[] data, long... shape) {
    return inner.fromHost(data, shape);
  }

  @Override
  public Tensor fromHost(float[] data, DType type, long... shape) {
    return inner.fromHost(data, type, shape);
  }

  @Override
  public Tensor cast(Tensor x, DType type) {
    return inner.cast(x, type);
  }

  @Override
  public float[] toHost(Tensor t) {
    return inner.toHost(t);
  }

  @Override
  public Tensor reshape(Tensor t, long... shape) {
    return inner.reshape(t, shape);
  }

  @Override
  public Tensor narrow(Tensor t, int dim, long start, long length) {
    return inner.narrow(t, dim, start, length);
  }

  @Override
  public Tensor concat(int dim, Tensor a, Tensor b) {
    return inner.concat(dim, a, b);
  }

  @Override
  public Tensor nchwToTokens(Tensor x) {
    return inner.nchwToTokens(x);
  }

  @Override
  public Tensor tokensToNchw(Tensor x, long height, long width) {
    return inner.tokensToNchw(x, height, width);
  }

  @Override
  public Tensor embedding(Tensor table, int[] ids) {
    return inner.embedding(table, ids);
  }

  @Override
  public Tensor linear(Tensor x, Tensor weight, Tensor bias, Tensor residual) {
    return inner.linear(x, weight, bias, residual);
  }

  @Override
  public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, boolean causal) {
    return inner.attention(q, k, v, heads, scale, causal);
  }

  @Override
  public Tensor selfAttention(Tensor qkv, int heads, float scale, boolean causal) {
    return inner.selfAttention(qkv, heads, scale, causal);
  }

  @Override
  public Tensor crossAttention(Tensor q, Tensor kv, int heads, float scale) {
    return inner.crossAttention(q, kv, heads, scale);
  }

  @Override
  public Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) {
    return inner.groupNorm(x, groups, gamma, beta, eps, silu);
  }

  @Override
  public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    return inner.layerNorm(x, gamma, beta, eps);
  }

  @Override
  public Tensor activation(Tensor x, Activation kind) {
    return inner.activation(x, kind);
  }

  @Override
  public Tensor prelu(Tensor x, Tensor slopes) {
    return inner.prelu(x, slopes);
  }

  @Override
  public Tensor geglu(Tensor x) {
    return inner.geglu(x);
  }

  @Override
  public Tensor add(Tensor a, Tensor b) {
    return inner.add(a, b);
  }

  @Override
  public Tensor addPerChannel(Tensor x, Tensor b) {
    return inner.addPerChannel(x, b);
  }

  @Override
  public Tensor scale(Tensor x, float factor) {
    return inner.scale(x, factor);
  }

  @Override
  public Tensor combine(float a, Tensor x, float b, Tensor y) {
    return inner.combine(a, x, b, y);
  }

  @Override
  public Tensor upsampleNearest(Tensor x, long height, long width) {
    return inner.upsampleNearest(x, height, width);
  }

  @Override
  public void close() {
    inner.close();
  }
}
