package org.sdj.backend;

/**
 * The tensor operations the models call, for one forward pass. Every tensor an op returns is owned by this scope and
 * freed when it closes (or earlier, by {@link Tensor#close()}); weights passed in are never modified. One scope serves
 * one thread.
 *
 * <p>Activations are in the backend's {@link Backend#activationType()}: {@link DType#F32} on the CPU, 16 bits on a
 * GPU. The denoising loop keeps its latents in {@code F32} on every backend: {@link #fromHost(float[], DType, long...)},
 * {@link #cast}, {@link #toHost}, {@link #reshape}, {@link #narrow}, {@link #concat}, {@link #scale} and
 * {@link #combine} take them; the other ops take activations only. Parameters named {@code weight}, {@code bias}, {@code gamma}, {@code beta} and
 * {@code table} may be in any float-convertible dtype. Optional parameters ({@code bias}, {@code residual}) are
 * {@code null} when absent: the ops are shaped for fusion, so that a backend can fold a bias and a residual add into
 * the epilogue of a matrix multiply or convolution.
 */
public interface Ops extends AutoCloseable {

  /** The backend this scope belongs to. */
  Backend backend();

  // ---- data movement ----------------------------------------------------------------------------------------------

  /** Copies host floats into a new tensor of the given shape, in the backend's activation type. */
  Tensor fromHost(float[] data, long... shape);

  /**
   * Copies host floats into a new tensor of the given shape and {@code type}: {@link DType#F32} (exact) or the
   * backend's {@link Backend#activationType()}. The default serves backends whose activations are float32.
   *
   * @throws IllegalArgumentException for another type
   */
  default Tensor fromHost(float[] data, DType type, long... shape) {
    Shapes.latentType(backend(), type);
    return fromHost(data, shape);
  }

  /**
   * {@code x}'s values in {@code type}, {@link DType#F32} or the backend's {@link Backend#activationType()}: a new
   * tensor of this scope (a view where the type is already {@code x}'s). The default serves backends whose
   * activations are float32.
   *
   * @throws IllegalArgumentException for another type
   */
  default Tensor cast(Tensor x, DType type) {
    Shapes.latentType(backend(), type);
    return reshape(x, x.shape());
  }

  /** Copies a tensor's elements, converted to float, to the host (row-major). */
  float[] toHost(Tensor t);

  /** The same elements under another shape of equal element count (a view where the backend can). */
  Tensor reshape(Tensor t, long... shape);

  /** Elements {@code [start, start + length)} along {@code dim} (a negative {@code dim} counts from the end). */
  Tensor narrow(Tensor t, int dim, long start, long length);

  /** Concatenation along {@code dim} (negative counts from the end); all other dimensions must agree. */
  Tensor concat(int dim, Tensor a, Tensor b);

  /** {@code [N, C, H, W] -> [N, H*W, C]}: an image as a sequence of tokens. */
  Tensor nchwToTokens(Tensor x);

  /** {@code [N, H*W, C] -> [N, C, H, W]}: the inverse of {@link #nchwToTokens}. */
  Tensor tokensToNchw(Tensor x, long height, long width);

  /** Rows of {@code table [V, D]} picked by {@code ids}: {@code [ids.length, D]}. */
  Tensor embedding(Tensor table, int[] ids);

  // ---- matrix products ----------------------------------------------------------------------------------------------

  /**
   * {@code x @ weight^T + bias + residual}: {@code x [..., in]}, {@code weight [out, in]}, {@code bias [out]},
   * {@code residual} shaped like the result {@code [..., out]}.
   */
  Tensor linear(Tensor x, Tensor weight, Tensor bias, Tensor residual);

  /**
   * Cross-correlation as torch's {@code conv2d}, plus {@code residual}: {@code x [N, C, H, W]}, {@code weight [O, C, kh,
   * kw]}, {@code bias [O]}, {@code residual} shaped like the result {@code [N, O, H', W']}.
   */
  Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams params, Tensor residual);

  /**
   * Multi-head scaled-dot-product attention, {@code softmax(q k^T * scale [+ causal mask]) v} per head, reading the
   * heads straight from the projections' layout: {@code q [B, Nq, heads*d]}, {@code k, v [B, Nk, heads*d]} ->
   * {@code [B, Nq, heads*d]}. With {@code causal}, query {@code i} sees keys {@code 0..i} only (torch's
   * {@code is_causal}, aligned at the top left also when {@code Nq != Nk}).
   */
  Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, boolean causal);

  /**
   * Self-attention on one packed projection: {@code qkv [B, N, 3*heads*d]} holds q, k and v side by side along its
   * last dimension (the output of one linear over stacked q, k and v weights) -> {@code [B, N, heads*d]}, as
   * {@link #attention} on the three column blocks. The default splits {@code qkv}; a backend whose kernel reads
   * strided rows reads it in place.
   */
  default Tensor selfAttention(Tensor qkv, int heads, float scale, boolean causal) {
    long width = Shapes.selfAttention(qkv, heads)[2];
    try (Tensor q = narrow(qkv, -1, 0, width);
        Tensor k = narrow(qkv, -1, width, width);
        Tensor v = narrow(qkv, -1, 2 * width, width)) {
      return attention(q, k, v, heads, scale, causal);
    }
  }

  /**
   * Cross-attention with packed keys and values: {@code q [B, Nq, heads*d]}, {@code kv [B, Nk, 2*heads*d]} holding k
   * and v side by side along its last dimension -> {@code [B, Nq, heads*d]}, as {@link #attention} on {@code q} and
   * the two column blocks of {@code kv}. The default splits {@code kv}; a backend whose kernel reads strided rows reads
   * it in place.
   */
  default Tensor crossAttention(Tensor q, Tensor kv, int heads, float scale) {
    long width = Shapes.crossAttention(q, kv, heads)[2];
    try (Tensor k = narrow(kv, -1, 0, width);
        Tensor v = narrow(kv, -1, width, width)) {
      return attention(q, k, v, heads, scale, false);
    }
  }

  // ---- normalization ------------------------------------------------------------------------------------------------

  /**
   * Group normalization of {@code x [N, C, ...]} over {@code groups} channel groups with per-channel affine
   * {@code gamma, beta [C]}, optionally followed by SiLU (the pair every ResnetBlock2D starts with).
   */
  Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu);

  /** Layer normalization over the last dimension with affine {@code gamma, beta [D]}. */
  Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps);

  // ---- pointwise ----------------------------------------------------------------------------------------------------

  /** A pointwise activation. */
  Tensor activation(Tensor x, Activation kind);

  /**
   * torch's {@code PReLU}: {@code x [N, C, ...]} with channel {@code c}'s negative values times {@code slopes[c]}
   * ({@code slopes [C]}, a weight), the rest as they are (Real-ESRGAN's compact upscalers).
   */
  Tensor prelu(Tensor x, Tensor slopes);

  /** GEGLU's gate: {@code x [..., 2n] -> x[..., :n] * gelu(x[..., n:])}. */
  Tensor geglu(Tensor x);

  /**
   * {@code a + b}, where {@code b}'s shape equals {@code a}'s or a suffix of it (then {@code b} repeats over the leading
   * dimensions, as position embeddings do over a batch).
   */
  Tensor add(Tensor a, Tensor b);

  /** {@code x [N, C, ...] + b [N, C]} broadcast over the spatial dimensions (a ResnetBlock2D's time embedding). */
  Tensor addPerChannel(Tensor x, Tensor b);

  /** {@code x * factor}. */
  Tensor scale(Tensor x, float factor);

  /**
   * {@code a * x + b * y} over two tensors of one shape and type, computed in float32 and rounded once to that type: a
   * scheduler's step on latents kept on the backend.
   */
  Tensor combine(float a, Tensor x, float b, Tensor y);

  /**
   * Nearest-neighbour resize of {@code x [N, C, H, W]} to {@code [N, C, height, width]}, as torch's "nearest" (not
   * "nearest-exact"): source index {@code min(floor(dst * (float) (in / out)), in - 1)}.
   */
  Tensor upsampleNearest(Tensor x, long height, long width);

  /**
   * {@code x [N, C, H, W]} padded circularly (torch's {@code F.pad(x, (w, w, h, h), mode="circular")}): {@code
   * [N, C, H + 2 padHeight, W + 2 padWidth]}, its last {@code padHeight} rows put above it and its first below, and
   * likewise its columns, each pad at most that side (seamless tiling's convolutions). The default builds it from
   * {@link #narrow}s and {@link #concat}s; a backend with a layout of its own may copy it in one pass.
   */
  default Tensor circularPad(Tensor x, int padHeight, int padWidth) {
    if (padHeight < 0 || padWidth < 0 || x.rank() != 4 || padHeight > x.dim(2) || padWidth > x.dim(3)) {
      throw new IllegalArgumentException("circular padding of " + padHeight + " rows and " + padWidth + " columns"
          + " wraps " + x + " more than once (or it is not [N, C, H, W]): the picture is too small for seamless"
          + " tiling");
    }
    Tensor out = wrappedAlong(x, 3, padWidth, false);
    return wrappedAlong(out, 2, padHeight, out != x);
  }

  /** {@code x} with its last {@code pad} entries along {@code dim} before it and its first after; closes it if owned. */
  private Tensor wrappedAlong(Tensor x, int dim, int pad, boolean owned) {
    if (pad == 0) {
      return x;
    }
    long size = x.dim(dim);
    try (Tensor head = narrow(x, dim, size - pad, pad);
        Tensor tail = narrow(x, dim, 0, pad);
        Tensor front = concat(dim, head, x)) {
      return concat(dim, front, tail);
    } finally {
      if (owned) {
        x.close();
      }
    }
  }

  /** Frees every tensor this scope made that is still open. */
  @Override
  void close();
}
