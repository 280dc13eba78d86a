package org.sdj.cuda;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.IntPointer;
import org.sdj.backend.Activation;
import org.sdj.backend.Backend;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;

/**
 * One forward pass on the {@link CudaBackend}: every op validates its operands with {@link Shapes}, takes its result
 * from the caching allocator and enqueues its kernels; nothing waits for the device except {@link #toHost}.
 *
 * <p>With {@link CudaOptions#channelsLast()}, convolutions return channels-last images ({@link DeviceTensor}), which
 * the image ops (group norm, activation, add, per-channel add, upsampling, concat along channels, scale, the token
 * views) keep channels-last; every other op reads a row-major copy, made once per tensor and freed with it.
 */
final class CudaOps implements Ops {
  private final CudaBackend backend;
  private final Kernels k;
  private final BlockCache cache;
  private final Set<DeviceTensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Row-major copies of channels-last tensors that a row-major op read, by tensor. */
  private final Map<DeviceTensor, DeviceTensor> rowMajor = new IdentityHashMap<>();
  private final CudaConv2d conv2d;
  private boolean closed;

  /** A scope whose results and scratch blocks come from {@code cache}. */
  CudaOps(CudaBackend backend, BlockCache cache) {
    this.backend = backend;
    this.k = backend.kernels();
    this.cache = cache;
    this.conv2d = new CudaConv2d(backend, cache, this::output);
  }

  @Override
  public Backend backend() {
    return backend;
  }

  private void enter() {
    if (closed) {
      throw new IllegalStateException("this Ops scope is closed; open a new one with backend.ops()");
    }
    backend.enter();
  }

  /**
   * The device address of {@code t}, an open tensor of this backend in the compute type (the models' ops take
   * nothing else); 0 for an absent optional operand.
   */
  private long at(Tensor t) {
    return t == null ? 0 : rowMajor(compute(t)).address();
  }

  /** {@code t}, checked to be an open tensor of this backend in the compute type. */
  private DeviceTensor compute(Tensor t) {
    if (t.dtype() != backend.computeType()) {
      throw new IllegalArgumentException("cuda's model ops take " + backend.computeType() + " tensors, not " + t
          + ": convert latents with Ops.cast");
    }
    return device(t);
  }

  /**
   * The device address of {@code t}, an open tensor of this backend of either type, row-major (a channels-last one's
   * row-major copy); 0 for null.
   */
  private long any(Tensor t) {
    return t == null ? 0 : rowMajor(device(t)).address();
  }

  private DeviceTensor device(Tensor t) {
    if (!(t instanceof DeviceTensor d) || d.backend() != backend) {
      throw new IllegalArgumentException("tensor " + t + " belongs to another backend than cuda");
    }
    return d;
  }

  /** {@code t} itself where row-major, else its row-major copy (made once, freed with {@code t}). */
  private DeviceTensor rowMajor(DeviceTensor t) {
    if (!t.channelsLast()) {
      return t;
    }
    DeviceTensor copy = rowMajor.get(t);
    if (copy == null) {
      long[] s = t.shape();
      copy = output(s, t.dtype());
      k.transpose(t.address(), copy.address(), (int) s[0], (int) (s[2] * s[3]), (int) s[1]);
      rowMajor.put(t, copy);
    }
    return copy;
  }

  /**
   * The device address of {@code t} (compute type, rank 4) in channels-last memory: its own where it is
   * channels-last, else a channels-last copy's of this scope; 0 for null.
   */
  private long channelsLast(Tensor t) {
    if (t == null) {
      return 0;
    }
    DeviceTensor d = compute(t);
    if (d.channelsLast()) {
      return d.address();
    }
    long[] s = d.shape();
    DeviceTensor copy = outputChannelsLast(s);
    k.transpose(d.address(), copy.address(), (int) s[0], (int) s[1], (int) (s[2] * s[3]));
    return copy.address();
  }

  /** Whether an image op keeps {@code t} channels-last. */
  private static boolean isChannelsLast(Tensor t) {
    return t instanceof DeviceTensor d && d.channelsLast();
  }

  /** A new tensor of this scope for a result of {@code shape} in the compute type. */
  private DeviceTensor output(long[] shape) {
    return output(shape, backend.computeType());
  }

  private DeviceTensor output(long[] shape, DType type) {
    long address = cache.acquire(type.byteSize() * Math.max(1, Shapes.numel(shape)));
    return track(new Storage(address, cache::release), shape, type);
  }

  /** A new tensor of this scope in the compute type, its contents undefined. */
  DeviceTensor empty(long[] shape) {
    enter();
    return output(shape);
  }

  /** A new tensor of this scope holding a copy of {@code t} (enqueued). */
  DeviceTensor copy(Tensor t) {
    enter();
    DeviceTensor y = output(t.shape(), t.dtype());
    copy(t, y);
    return y;
  }

  /** Enqueues {@code dst = src}; both of this backend, of the same shape and type. */
  void copy(Tensor src, DeviceTensor dst) {
    enter();
    if (!Arrays.equals(src.shape(), dst.shape()) || src.dtype() != dst.dtype()) {
      throw new IllegalArgumentException("copy from " + src + " to " + dst);
    }
    if (device(dst).channelsLast()) {
      throw new IllegalArgumentException("copy into the channels-last " + dst + ": copy into a row-major tensor");
    }
    backend.copy(any(src), device(dst).address(), dst.bytes());
  }

  private DeviceTensor track(Storage storage, long[] shape, DType type) {
    return track(storage, shape, type, false);
  }

  private DeviceTensor track(Storage storage, long[] shape, DType type, boolean channelsLast) {
    DeviceTensor t = new DeviceTensor(backend, storage, shape, type, channelsLast, this::closed);
    live.add(t);
    return t;
  }

  /** A new channels-last image of this scope in the compute type. */
  private DeviceTensor outputChannelsLast(long[] shape) {
    long address = cache.acquire(backend.computeType().byteSize() * Math.max(1, Shapes.numel(shape)));
    return track(new Storage(address, cache::release), shape, backend.computeType(), true);
  }

  private void closed(DeviceTensor t) {
    live.remove(t);
    DeviceTensor copy = rowMajor.remove(t);
    if (copy != null) {
      copy.close();
    }
  }

  /** 16-bit elements per element of {@code t}: layout kernels move a float32 tensor as pairs of 16-bit elements. */
  private static long halves(Tensor t) {
    return t.dtype().byteSize() / 2;
  }

  // ---- data movement ----------------------------------------------------------------------------------------------

  @Override
  public Tensor fromHost(float[] data, long... shape) {
    enter();
    long[] s = Shapes.fromHost(data, shape);
    short[] bits = HalfFloats.encode(data, backend.computeType());
    boolean last = backend.options().channelsLast() && s.length == 4;
    DeviceTensor t = last ? outputChannelsLast(s) : output(s);
    backend.upload(t.address(), last ? HalfFloats.channelsLast(bits, s) : bits);
    return t;
  }

  @Override
  public Tensor fromHost(float[] data, DType type, long... shape) {
    if (Shapes.latentType(backend, type) != DType.F32) {
      return fromHost(data, shape);
    }
    enter();
    long[] s = Shapes.fromHost(data, shape);
    DeviceTensor t = output(s, DType.F32);
    backend.upload(t.address(), data);
    return t;
  }

  @Override
  public float[] toHost(Tensor t) {
    enter();
    long address = any(t);
    if (t.dtype() == DType.F32) {
      return backend.downloadFloats(address, t.numel());
    }
    return HalfFloats.decode(backend.download(address, t.numel()), backend.computeType());
  }

  @Override
  public Tensor cast(Tensor x, DType type) {
    enter();
    long px = any(x);
    if (Shapes.latentType(backend, type) == x.dtype()) {
      return reshape(x, x.shape());
    }
    DeviceTensor y = output(x.shape(), type);
    if (type == DType.F32) {
      k.toFloat32(px, y.address(), x.numel());
    } else {
      k.fromFloat32(px, y.address(), x.numel());
    }
    return y;
  }

  @Override
  public Tensor reshape(Tensor t, long... shape) {
    enter();
    any(t);
    long[] s = Shapes.reshape(t, shape);
    return track(rowMajor(device(t)).storage().retain(), s, t.dtype());
  }

  @Override
  public Tensor narrow(Tensor t, int dim, long start, long length) {
    enter();
    long x = any(t);
    long[] out = Shapes.narrow(t, dim, start, length);
    long[] s = t.shape();
    int d = Shapes.axis("narrow", s.length, dim);
    long inner = inner(s, d) * halves(t);
    long outer = Shapes.numel(s) / Math.max(1, s[d] * inner(s, d));
    DeviceTensor y = output(out, t.dtype());
    k.slice(x, y.address(), s[d] * inner == 0 ? 0 : outer, s[d] * inner, start * inner, length * inner);
    return y;
  }

  @Override
  public Tensor concat(int dim, Tensor a, Tensor b) {
    enter();
    long[] out = Shapes.concat(dim, a, b);
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException("concat of " + a + " and " + b + ": one type, please");
    }
    int d = Shapes.axis("concat", a.rank(), dim);
    if (d == 1 && a.rank() == 4 && (isChannelsLast(a) || isChannelsLast(b))) {
      // Channels last, each pixel's channels are a row: a's then b's.
      long pa = channelsLast(a);
      long pb = channelsLast(b);
      DeviceTensor y = outputChannelsLast(out);
      k.concat(pa, pb, y.address(), out[0] * out[2] * out[3], a.dim(1), b.dim(1));
      return y;
    }
    long pa = any(a);
    long pb = any(b);
    long inner = inner(out, d) * halves(a);
    long outer = 1;
    for (int i = 0; i < d; i++) {
      outer *= out[i];
    }
    DeviceTensor y = output(out, a.dtype());
    k.concat(pa, pb, y.address(), outer, a.dim(d) * inner, b.dim(d) * inner);
    return y;
  }

  private static long inner(long[] shape, int dim) {
    long n = 1;
    for (int i = dim + 1; i < shape.length; i++) {
      n *= shape[i];
    }
    return n;
  }

  @Override
  public Tensor nchwToTokens(Tensor x) {
    enter();
    long[] out = Shapes.nchwToTokens(x);
    if (isChannelsLast(x)) {
      return track(compute(x).storage().retain(), out, x.dtype());
    }
    long px = at(x);
    DeviceTensor y = output(out);
    k.transpose(px, y.address(), (int) out[0], (int) out[2], (int) out[1]);
    return y;
  }

  @Override
  public Tensor tokensToNchw(Tensor x, long height, long width) {
    enter();
    long px = at(x);
    long[] out = Shapes.tokensToNchw(x, height, width);
    if (backend.options().channelsLast()) {
      return track(rowMajor(device(x)).storage().retain(), out, x.dtype(), true);
    }
    DeviceTensor y = output(out);
    k.transpose(px, y.address(), (int) out[0], (int) x.dim(1), (int) x.dim(2));
    return y;
  }

  @Override
  public Tensor embedding(Tensor table, int[] ids) {
    enter();
    long pt = at(table);
    long[] out = Shapes.embedding(table, ids);
    DeviceTensor y = output(out);
    if (ids.length > 0) {
      long dev = cache.acquire(4L * ids.length);
      try (IntPointer host = new IntPointer(ids)) {
        backend.upload(dev, host, 4L * ids.length);
        k.embedding(pt, dev, y.address(), ids.length, out[1]);
      } finally {
        cache.release(dev);
      }
    }
    return y;
  }

  /** One pass of the padding kernel, in the tensor's layout (channels last stays so). */
  @Override
  public Tensor circularPad(Tensor x, int padHeight, int padWidth) {
    enter();
    if (padHeight < 0 || padWidth < 0 || x.rank() != 4 || padHeight > x.dim(2) || padWidth > x.dim(3)) {
      return Ops.super.circularPad(x, padHeight, padWidth);
    }
    int h = (int) x.dim(2);
    int w = (int) x.dim(3);
    int ph = h + 2 * padHeight;
    int pw = w + 2 * padWidth;
    long[] out = {x.dim(0), x.dim(1), ph, pw};
    if (isChannelsLast(x)) {
      long px = channelsLast(x);
      DeviceTensor y = outputChannelsLast(out);
      k.pad2dNhwc(px, y.address(), x.dim(0), h, w, padHeight, padWidth, ph, pw, (int) x.dim(1), true, true);
      return y;
    }
    long px = at(x);
    DeviceTensor y = output(out);
    k.pad2d(px, y.address(), x.dim(0) * x.dim(1), h, w, padHeight, padWidth, ph, pw, true, true);
    return y;
  }

  @Override
  public Tensor upsampleNearest(Tensor x, long height, long width) {
    enter();
    long[] out = Shapes.upsampleNearest(x, height, width);
    if (isChannelsLast(x)) {
      long px = channelsLast(x);
      DeviceTensor y = outputChannelsLast(out);
      k.upsampleNearestNhwc(px, y.address(), x.dim(0), (int) x.dim(2), (int) x.dim(3), (int) height, (int) width,
          (int) x.dim(1));
      return y;
    }
    long px = at(x);
    DeviceTensor y = output(out);
    k.upsampleNearest(px, y.address(), x.dim(0) * x.dim(1), (int) x.dim(2), (int) x.dim(3), (int) height,
        (int) width);
    return y;
  }

  // ---- matrix products ----------------------------------------------------------------------------------------------

  @Override
  public Tensor linear(Tensor x, Tensor weight, Tensor bias, Tensor residual) {
    enter();
    long px = at(x);
    long pw = at(weight);
    long pb = at(bias);
    long pr = at(residual);
    long[] out = Shapes.linear(x, weight, bias, residual);
    DeviceTensor y = output(out);
    long outF = weight.dim(0);
    long rows = Shapes.numel(out) / Math.max(1, outF);
    if (rows > 0 && outF > 0) {
      backend.gemm().linear(px, pw, pb, pr, y.address(), rows, weight.dim(1), outF);
    }
    return y;
  }

  @Override
  public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p, Tensor residual) {
    enter();
    if (backend.options().channelsLast()) {
      long[] out = Shapes.conv2d(x, weight, bias, p, residual);
      long px = channelsLast(x);
      DeviceTensor w = compute(weight);
      long pb = at(bias);
      long pr = channelsLast(residual);
      DeviceTensor y = outputChannelsLast(out);
      conv2d.forwardChannelsLast(x.shape(), w, p, px, pb, pr, y);
      return y;
    }
    long px = at(x);
    long pw = at(weight);
    long pb = at(bias);
    long pr = at(residual);
    DeviceTensor y = output(Shapes.conv2d(x, weight, bias, p, residual));
    conv2d.forward(x.shape(), weight, p, px, pw, pb, pr, y);
    return y;
  }

  @Override
  public Tensor attention(Tensor q, Tensor kt, Tensor v, int heads, float scale, boolean causal) {
    enter();
    long pq = at(q);
    long pk = at(kt);
    long pv = at(v);
    long[] out = Shapes.attention(q, kt, v, heads);
    return attend(pq, pk, pv, out, kt.dim(1), heads, out[2], out[2], scale, causal);
  }

  /** Reads q, k and v in place: three column blocks of every row of {@code qkv}. */
  @Override
  public Tensor selfAttention(Tensor qkv, int heads, float scale, boolean causal) {
    enter();
    long p = at(qkv);
    long[] out = Shapes.selfAttention(qkv, heads);
    long width = out[2] * qkv.dtype().byteSize();
    return attend(p, p + width, p + 2 * width, out, out[1], heads, qkv.dim(2), qkv.dim(2), scale, causal);
  }

  /** Reads k and v in place: two column blocks of every row of {@code kv}. */
  @Override
  public Tensor crossAttention(Tensor q, Tensor kv, int heads, float scale) {
    enter();
    long pq = at(q);
    long pkv = at(kv);
    long[] out = Shapes.crossAttention(q, kv, heads);
    long width = out[2] * kv.dtype().byteSize();
    return attend(pq, pkv, pkv + width, out, kv.dim(1), heads, out[2], kv.dim(2), scale, false);
  }

  /** Attention into a new {@code out}-shaped tensor, with q's rows {@code ldq} and k's and v's {@code ldkv} apart. */
  private Tensor attend(long pq, long pk, long pv, long[] out, long nk, int heads, long ldq, long ldkv, float scale,
      boolean causal) {
    int d = (int) (out[2] / heads);
    if (d > AttentionKernels.WIDE_MAX_D) {
      throw new IllegalArgumentException("attention: head size " + d + " of q " + Shapes.str(out)
          + " exceeds the CUDA backend's " + AttentionKernels.WIDE_MAX_D);
    }
    DeviceTensor y = output(out);
    if (backend.attention().byProducts(d, nk)) {
      ProductAttention products = new ProductAttention(backend.launcher(), backend.gemm());
      int rows = products.rowsPerBlock(out[1], nk);
      try (DeviceTensor scores = output(new long[] {rows, nk}, DType.F32);
          DeviceTensor probabilities = output(new long[] {rows, nk})) {
        products.attention(pq, pk, pv, y.address(), (int) out[0], (int) out[1], (int) nk, heads, d,
            Math.toIntExact(ldq), Math.toIntExact(ldkv), scale, causal, scores.address(), probabilities.address());
      }
      return y;
    }
    backend.attention().attention(pq, pk, pv, y.address(), (int) out[0], (int) out[1], (int) nk, heads, d,
        Math.toIntExact(ldq), Math.toIntExact(ldkv), scale, causal);
    return y;
  }

  // ---- normalization ------------------------------------------------------------------------------------------------

  @Override
  public Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) {
    enter();
    long pg = at(gamma);
    long pb = at(beta);
    long[] s = Shapes.groupNorm(x, groups, gamma, beta);
    if (isChannelsLast(x) && NormKernels.nhwcFits((int) s[1], groups)) {
      return groupNormChannelsLast(x, groups, pg, pb, eps, silu);
    }
    // Row-major images, and channels-last ones past the channels-last kernel's shared sums (a row-major copy, a
    // row-major result, which the channels-last ops after it read through their own copy).
    long px = at(x);
    long spatial = Shapes.numel(s) / Math.max(1, s[0] * s[1]);
    long groupsInBatch = s[0] * groups;
    int splits = NormKernels.groupSplits(groupsInBatch, s[1] / groups * spatial);
    DeviceTensor y = output(s);
    if (groupsInBatch == 0 || spatial == 0) {
      return y;
    }
    long stats = cache.acquire(2L * Float.BYTES * groupsInBatch * splits);
    try {
      backend.norms().groupNorm(px, pg, pb, y.address(), (int) s[0], (int) s[1], spatial, groups, eps, silu, stats);
    } finally {
      cache.release(stats);
    }
    return y;
  }

  private Tensor groupNormChannelsLast(Tensor x, int groups, long pg, long pb, float eps, boolean silu) {
    long[] s = x.shape();
    DeviceTensor y = outputChannelsLast(s);
    long pixels = s[2] * s[3];
    long stats = cache.acquire(Float.BYTES * Math.max(1, NormKernels.nhwcStatsFloats((int) s[0], (int) s[1], pixels,
        groups)));
    try {
      backend.norms().groupNormNhwc(channelsLast(x), pg, pb, y.address(), (int) s[0], (int) s[1], pixels, groups, eps,
          silu, stats);
    } finally {
      cache.release(stats);
    }
    return y;
  }

  @Override
  public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    enter();
    long px = at(x);
    long pg = at(gamma);
    long pb = at(beta);
    long[] s = Shapes.layerNorm(x, gamma, beta);
    DeviceTensor y = output(s);
    int width = (int) s[s.length - 1];
    backend.norms().layerNorm(px, pg, pb, y.address(), width == 0 ? 0 : Shapes.numel(s) / width, width, eps);
    return y;
  }

  // ---- pointwise ----------------------------------------------------------------------------------------------------

  @Override
  public Tensor activation(Tensor x, Activation kind) {
    enter();
    boolean last = isChannelsLast(x);
    long px = last ? channelsLast(x) : at(x);
    DeviceTensor y = last ? outputChannelsLast(x.shape()) : output(x.shape());
    k.activation(px, y.address(), kind, x.numel());
    return y;
  }

  @Override
  public Tensor prelu(Tensor x, Tensor slopes) {
    enter();
    long[] shape = Shapes.prelu(x, slopes);
    int channels = (int) shape[1];
    long ps = at(slopes);
    if (isChannelsLast(x)) {
      long px = channelsLast(x);
      DeviceTensor y = outputChannelsLast(shape);
      k.prelu(px, ps, y.address(), x.numel(), 1, channels);
      return y;
    }
    long px = at(x);
    DeviceTensor y = output(shape);
    k.prelu(px, ps, y.address(), x.numel(), Math.max(1, x.numel() / Math.max(1, shape[0] * channels)), channels);
    return y;
  }

  @Override
  public Tensor geglu(Tensor x) {
    enter();
    long px = at(x);
    long[] out = Shapes.geglu(x);
    DeviceTensor y = output(out);
    long half = out[out.length - 1];
    k.geglu(px, y.address(), half == 0 ? 0 : Shapes.numel(out) / half, half);
    return y;
  }

  @Override
  public Tensor add(Tensor a, Tensor b) {
    enter();
    long[] out = Shapes.add(a, b);
    boolean last = (isChannelsLast(a) || isChannelsLast(b)) && Arrays.equals(a.shape(), b.shape());
    long pa = last ? channelsLast(a) : at(a);
    long pb = last ? channelsLast(b) : at(b);
    DeviceTensor y = last ? outputChannelsLast(out) : output(out);
    k.add(pa, pb, y.address(), a.numel(), Math.max(1, b.numel()));
    return y;
  }

  @Override
  public Tensor addPerChannel(Tensor x, Tensor b) {
    enter();
    long[] out = Shapes.addPerChannel(x, b);
    if (isChannelsLast(x)) {
      long px = channelsLast(x);
      long pb = at(b);
      DeviceTensor y = outputChannelsLast(out);
      k.addPerChannelNhwc(px, pb, y.address(), x.numel(), x.numel() / Math.max(1, x.dim(0)), (int) x.dim(1));
      return y;
    }
    long px = at(x);
    long pb = at(b);
    DeviceTensor y = output(out);
    k.addPerChannel(px, pb, y.address(), x.numel(), Math.max(1, x.numel() / Math.max(1, b.numel())));
    return y;
  }

  @Override
  public Tensor scale(Tensor x, float factor) {
    enter();
    boolean last = isChannelsLast(x);
    long px = last ? channelsLast(x) : any(x);
    DeviceTensor y = last ? outputChannelsLast(x.shape()) : output(x.shape(), x.dtype());
    k.scale(px, y.address(), factor, x.numel(), x.dtype() == DType.F32);
    return y;
  }

  @Override
  public Tensor combine(float a, Tensor x, float b, Tensor y) {
    enter();
    long px = any(x);
    long py = any(y);
    DeviceTensor out = output(Shapes.combine(x, y), x.dtype());
    k.combine(px, py, out.address(), a, b, x.numel(), x.dtype() == DType.F32);
    return out;
  }

  @Override
  public void close() {
    closed = true;
    for (DeviceTensor t : List.copyOf(live)) {
      t.close();
    }
  }
}
