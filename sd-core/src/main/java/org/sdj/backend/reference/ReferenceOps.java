package org.sdj.backend.reference;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.sdj.backend.Activation;
import org.sdj.backend.Backend;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;

/**
 * One forward pass on the {@link ReferenceBackend}. Every op validates its operands with {@link Shapes}, reads them as
 * heap float arrays and wraps its result in a tensor owned by this scope.
 *
 * <p>Subclasses override the compute ops with faster kernels and use {@link #read}, {@link #allocate} and
 * {@link #output} to move between tensors and arrays; the data-movement ops are shared as they are.
 */
public class ReferenceOps implements Ops {
  private final ReferenceBackend backend;
  private final Set<HeapTensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
  private final ResultArrays arrays = ResultArrays.forHeap();
  private boolean closed;

  public ReferenceOps(ReferenceBackend backend) {
    this.backend = backend;
  }

  @Override
  public Backend backend() {
    return backend;
  }

  // ---- for subclasses -------------------------------------------------------------------------------------------

  /**
   * The elements of {@code t}, which must be an open tensor of this scope's backend; {@code null} for an absent
   * optional operand. The array is shared: never write into it.
   */
  protected final float[] read(Tensor t) {
    if (t == null) {
      return null;
    }
    checkOpen();
    if (!(t instanceof HeapTensor h) || h.backend() != backend) {
      throw new IllegalArgumentException("tensor " + t + " belongs to another backend than " + backend.name());
    }
    return h.data();
  }

  /**
   * A zeroed array for a result of {@code shape}, after checking that it fits one Java array: new, or that of an
   * earlier result of this scope that all its tensors have closed.
   */
  protected final float[] allocate(long[] shape) {
    return arrays.take(length(shape), true);
  }

  /**
   * As {@link #allocate}, but holding anything: for an op that writes every element of its result (then a reused
   * array is not zeroed first).
   */
  protected final float[] allocateForOverwrite(long[] shape) {
    return arrays.take(length(shape), false);
  }

  private int length(long[] shape) {
    long n = Shapes.numel(shape);
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("result " + Shapes.str(shape) + " has " + n + " elements; backend "
          + backend.name() + " holds at most " + (Integer.MAX_VALUE - 8) + " per tensor");
    }
    return (int) n;
  }

  /** Wraps {@code data} (now owned by the tensor) as a tensor of this scope. */
  protected final Tensor output(float[] data, long[] shape) {
    checkOpen();
    HeapTensor t = new HeapTensor(backend, shape, data, this::onClose);
    live.add(t);
    arrays.hold(data);
    return t;
  }

  private void onClose(HeapTensor t, float[] data) {
    live.remove(t);
    if (!closed) {
      arrays.release(data);
    }
  }

  /**
   * Nearest-neighbour resize of planes {@code p0 .. p1} of {@code x [N, C, H, W]} into {@code y [N, C, height,
   * width]}, as {@link #upsampleNearest}: for subclasses that split the planes among threads.
   */
  protected static void upsampleNearestPlanes(float[] x, long[] shape, int height, int width, float[] y, int p0,
      int p1) {
    Layout.upsampleNearest(x, shape, height, width, y, p0, p1);
  }

  /** @throws IllegalStateException once this scope is closed */
  protected final void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this Ops scope is closed; open a new one with backend.ops()");
    }
  }

  // ---- data movement ----------------------------------------------------------------------------------------------

  @Override
  public Tensor fromHost(float[] data, long... shape) {
    long[] s = Shapes.fromHost(data, shape);
    return output(data.clone(), s);
  }

  @Override
  public float[] toHost(Tensor t) {
    return read(t).clone();
  }

  @Override
  public Tensor reshape(Tensor t, long... shape) {
    return output(read(t), Shapes.reshape(t, shape));
  }

  @Override
  public Tensor narrow(Tensor t, int dim, long start, long length) {
    long[] out = Shapes.narrow(t, dim, start, length);
    float[] y = allocate(out);
    Layout.narrow(read(t), t.shape(), Shapes.axis("narrow", t.rank(), dim), (int) start, y);
    return output(y, out);
  }

  @Override
  public Tensor concat(int dim, Tensor a, Tensor b) {
    long[] out = Shapes.concat(dim, a, b);
    float[] y = allocate(out);
    Layout.concat(read(a), a.shape(), read(b), b.shape(), Shapes.axis("concat", a.rank(), dim), y);
    return output(y, out);
  }

  @Override
  public Tensor nchwToTokens(Tensor x) {
    long[] out = Shapes.nchwToTokens(x);
    float[] y = allocate(out);
    Layout.transposeInner(read(x), (int) x.dim(0), (int) x.dim(1), (int) out[1], y);
    return output(y, out);
  }

  @Override
  public Tensor tokensToNchw(Tensor x, long height, long width) {
    long[] out = Shapes.tokensToNchw(x, height, width);
    float[] y = allocate(out);
    Layout.transposeInner(read(x), (int) x.dim(0), (int) x.dim(1), (int) x.dim(2), y);
    return output(y, out);
  }

  @Override
  public Tensor embedding(Tensor table, int[] ids) {
    long[] out = Shapes.embedding(table, ids);
    float[] t = read(table);
    float[] y = allocate(out);
    int d = (int) out[1];
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(t, ids[i] * d, y, i * d, d);
    }
    return output(y, out);
  }

  @Override
  public Tensor upsampleNearest(Tensor x, long height, long width) {
    long[] out = Shapes.upsampleNearest(x, height, width);
    float[] y = allocate(out);
    Layout.upsampleNearest(read(x), x.shape(), (int) height, (int) width, y);
    return output(y, out);
  }

  // ---- compute ----------------------------------------------------------------------------------------------------

  @Override
  public Tensor linear(Tensor x, Tensor weight, Tensor bias, Tensor residual) {
    long[] out = Shapes.linear(x, weight, bias, residual);
    float[] y = allocate(out);
    int in = (int) weight.dim(1);
    int outF = (int) weight.dim(0);
    int rows = (int) Layout.leading(out);
    Products.linear(read(x), read(weight), read(bias), read(residual), rows, in, outF, y);
    return output(y, out);
  }

  @Override
  public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams params, Tensor residual) {
    long[] out = Shapes.conv2d(x, weight, bias, params, residual);
    float[] y = allocate(out);
    Products.conv2d(read(x), x.shape(), read(weight), weight.shape(), read(bias), params, read(residual), out, y);
    return output(y, out);
  }

  @Override
  public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, boolean causal) {
    long[] out = Shapes.attention(q, k, v, heads);
    float[] y = allocate(out);
    Products.attention(read(q), read(k), read(v), (int) q.dim(0), (int) q.dim(1), (int) k.dim(1), (int) q.dim(2),
        heads, scale, causal, y);
    return output(y, out);
  }

  @Override
  public Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) {
    long[] s = Shapes.groupNorm(x, groups, gamma, beta);
    float[] y = allocate(s);
    int channels = (int) s[1];
    int spatial = (int) (x.numel() / Math.max(1, s[0] * channels));
    Norms.groupNorm(read(x), (int) s[0], channels, spatial, groups, read(gamma), read(beta), eps, silu, y);
    return output(y, s);
  }

  @Override
  public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    long[] s = Shapes.layerNorm(x, gamma, beta);
    float[] y = allocate(s);
    Norms.layerNorm(read(x), (int) s[s.length - 1], read(gamma), read(beta), eps, y);
    return output(y, s);
  }

  @Override
  public Tensor activation(Tensor x, Activation kind) {
    float[] a = read(x);
    float[] y = allocate(x.shape());
    Pointwise.activation(a, kind, y);
    return output(y, x.shape());
  }

  @Override
  public Tensor prelu(Tensor x, Tensor slopes) {
    long[] shape = Shapes.prelu(x, slopes);
    float[] a = read(x);
    float[] s = read(slopes);
    float[] y = allocate(shape);
    int inner = Math.max(1, Math.toIntExact(a.length / Math.max(1, shape[0] * shape[1])));
    for (int i = 0; i < y.length; i++) {
      y[i] = a[i] >= 0 ? a[i] : a[i] * s[i / inner % s.length];
    }
    return output(y, shape);
  }

  @Override
  public Tensor geglu(Tensor x) {
    long[] out = Shapes.geglu(x);
    float[] y = allocate(out);
    Pointwise.geglu(read(x), (int) out[out.length - 1], y);
    return output(y, out);
  }

  @Override
  public Tensor add(Tensor a, Tensor b) {
    long[] out = Shapes.add(a, b);
    float[] y = allocate(out);
    Pointwise.add(read(a), read(b), y);
    return output(y, out);
  }

  @Override
  public Tensor addPerChannel(Tensor x, Tensor b) {
    long[] out = Shapes.addPerChannel(x, b);
    float[] y = allocate(out);
    float[] bias = read(b);
    Pointwise.addPerChannel(read(x), bias, bias.length == 0 ? 0 : y.length / bias.length, y);
    return output(y, out);
  }

  @Override
  public Tensor scale(Tensor x, float factor) {
    float[] a = read(x);
    float[] y = allocate(x.shape());
    for (int i = 0; i < y.length; i++) {
      y[i] = a[i] * factor;
    }
    return output(y, x.shape());
  }

  @Override
  public Tensor combine(float a, Tensor x, float b, Tensor y) {
    long[] shape = Shapes.combine(x, y);
    float[] u = read(x);
    float[] v = read(y);
    float[] out = allocate(shape);
    for (int i = 0; i < out.length; i++) {
      out[i] = a * u[i] + b * v[i];
    }
    return output(out, shape);
  }

  @Override
  public void close() {
    closed = true;
    for (HeapTensor t : List.copyOf(live)) {
      t.close();
    }
    arrays.clear();
  }
}
