package org.sdj.cpu;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import org.sdj.backend.Activation;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceOps;

/**
 * A forward pass on the {@link CpuBackend}: the reference backend's heap tensors and data-movement ops for
 * activations, the compute ops replaced by the blocked kernels, and weights read in their file dtype
 * ({@link CpuWeight}). A weight handed to a data-movement op (a position table to {@code narrow}) is decoded to a
 * scope-owned float copy first; the big ones (linear and convolution weights, embedding tables) never are.
 */
final class CpuOps extends ReferenceOps {
  private final CpuBackend backend;
  private final ForkJoinPool pool;
  private final Simd simd;

  CpuOps(CpuBackend backend, ForkJoinPool pool, Simd simd) {
    super(backend);
    this.backend = backend;
    this.pool = pool;
    this.simd = simd;
  }

  // ---- weights ----------------------------------------------------------------------------------------------------

  private CpuWeight own(CpuWeight w) {
    checkOpen();
    if (w.backend() != backend) {
      throw new IllegalArgumentException("tensor " + w + " belongs to another backend than this " + backend.name());
    }
    return w;
  }

  /** The elements of an activation or (decoded) weight; {@code null} for an absent optional operand. */
  private float[] floats(Tensor t) {
    return t instanceof CpuWeight w ? own(w).toFloats() : read(t);
  }

  /** A weight or activation whose rows are {@code depth} elements long, as GEMM panels. */
  private Panels panels(Tensor t, long depth) {
    return t instanceof CpuWeight w
        ? new WeightPanels(simd, own(w), depth)
        : Panels.rows(simd, read(t), 0, (int) depth);
  }

  /** An activation as it is; a weight as a float copy owned by this scope, for the inherited data-movement ops. */
  private Tensor heap(Tensor t) {
    return t instanceof CpuWeight w ? output(own(w).toFloats(), w.shape()) : t;
  }

  /**
   * A new result holding {@code bias [channels]} (each value repeated over {@code inner} consecutive elements: 1 for a
   * linear layer, the pixels of a plane for a convolution) plus {@code residual}; the GEMM accumulates onto it. Zeroed
   * when there is neither.
   */
  private float[] epilogue(long[] shape, Tensor bias, Tensor residual, int channels, int inner) {
    float[] b = floats(bias);
    float[] r = floats(residual);
    if (b == null && r == null) {
      return allocate(shape);
    }
    float[] y = allocateForOverwrite(shape);
    int rowLength = channels * inner;
    int rows = rowLength == 0 ? 0 : y.length / rowLength;
    Parallel.forChunks(pool, rows, Math.max(1, (1 << 16) / Math.max(1, rowLength)), (r0, r1) -> {
      for (int row = r0; row < r1; row++) {
        int base = row * rowLength;
        if (b == null) {
          System.arraycopy(r, base, y, base, rowLength);
          continue;
        }
        if (inner == 1) {
          System.arraycopy(b, 0, y, base, channels);
        } else {
          for (int c = 0; c < channels; c++) {
            Arrays.fill(y, base + c * inner, base + (c + 1) * inner, b[c]);
          }
        }
        if (r != null) {
          for (int i = base; i < base + rowLength; i++) {
            y[i] += r[i];
          }
        }
      }
    });
    return y;
  }

  // ---- data movement ----------------------------------------------------------------------------------------------

  @Override
  public float[] toHost(Tensor t) {
    return t instanceof CpuWeight w ? own(w).toFloats() : super.toHost(t);
  }

  @Override
  public Tensor reshape(Tensor t, long... shape) {
    return super.reshape(heap(t), shape);
  }

  @Override
  public Tensor narrow(Tensor t, int dim, long start, long length) {
    return super.narrow(heap(t), dim, start, length);
  }

  @Override
  public Tensor concat(int dim, Tensor a, Tensor b) {
    return super.concat(dim, heap(a), heap(b));
  }

  @Override
  public Tensor nchwToTokens(Tensor x) {
    long[] out = Shapes.nchwToTokens(x);
    float[] y = allocateForOverwrite(out);
    Transpose.apply(pool, floats(x), (int) out[0], (int) out[2], (int) out[1], y);
    return output(y, out);
  }

  @Override
  public Tensor tokensToNchw(Tensor x, long height, long width) {
    long[] out = Shapes.tokensToNchw(x, height, width);
    float[] y = allocateForOverwrite(out);
    Transpose.apply(pool, floats(x), (int) out[0], (int) x.dim(1), (int) x.dim(2), y);
    return output(y, out);
  }

  @Override
  public Tensor upsampleNearest(Tensor x, long height, long width) {
    long[] out = Shapes.upsampleNearest(x, height, width);
    float[] y = allocateForOverwrite(out);
    float[] a = floats(x);
    long[] shape = x.shape();
    int planes = (int) (out[0] * out[1]);
    int perChunk = (int) Math.max(1, (1L << 16) / Math.max(1, height * width));
    Parallel.forChunks(pool, planes, perChunk,
        (p0, p1) -> upsampleNearestPlanes(a, shape, (int) height, (int) width, y, p0, p1));
    return output(y, out);
  }

  /** Decodes only the rows asked for: a 49408-token F16 table is never widened as a whole. */
  @Override
  public Tensor embedding(Tensor table, int[] ids) {
    long[] out = Shapes.embedding(table, ids);
    int d = (int) out[1];
    Panels rows = panels(table, d);
    float[] y = allocateForOverwrite(out);
    for (int i = 0; i < ids.length; i++) {
      rows.pack(ids[i], 1, 0, d, 1, y, i * d);
    }
    return output(y, out);
  }

  // ---- compute ----------------------------------------------------------------------------------------------------

  @Override
  public Tensor linear(Tensor x, Tensor weight, Tensor bias, Tensor residual) {
    long[] out = Shapes.linear(x, weight, bias, residual);
    int in = (int) weight.dim(1);
    int outF = (int) weight.dim(0);
    // Without bias or residual the product is stored, not added: y is then never zeroed nor read.
    boolean add = bias != null || residual != null;
    float[] y = add ? epilogue(out, bias, residual, outF, 1) : allocateForOverwrite(out);
    int rows = outF == 0 ? 0 : y.length / outF;
    Linear.apply(simd, pool, floats(x), panels(weight, in), rows, in, outF, y, add);
    return output(y, out);
  }

  @Override
  public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams params, Tensor residual) {
    long[] out = Shapes.conv2d(x, weight, bias, params, residual);
    Conv2d.Shape s = Conv2d.Shape.of(x.shape(), weight.shape(), out);
    float[] y = epilogue(out, bias, residual, s.o(), s.pixels());
    Conv2d.apply(simd, pool, floats(x), panels(weight, s.depth()), params, s, y);
    return output(y, out);
  }

  @Override
  public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, boolean causal) {
    long[] out = Shapes.attention(q, k, v, heads);
    float[] y = allocateForOverwrite(out);
    var shape = new Attention.Shape((int) out[0], (int) out[1], (int) k.dim(1), (int) out[2], heads);
    Attention.apply(simd, pool, floats(q), floats(k), floats(v), shape, scale, causal, y);
    return output(y, out);
  }

  @Override
  public Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) {
    long[] s = Shapes.groupNorm(x, groups, gamma, beta);
    float[] y = allocateForOverwrite(s);
    int n = (int) s[0];
    int channels = (int) s[1];
    int spatial = n * channels == 0 ? 0 : y.length / (n * channels);
    GroupNorm.apply(simd, pool, floats(x), n, channels, spatial, groups, floats(gamma), floats(beta), eps, silu, y);
    return output(y, s);
  }

  @Override
  public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    long[] s = Shapes.layerNorm(x, gamma, beta);
    float[] y = allocateForOverwrite(s);
    LayerNorm.apply(simd, pool, floats(x), (int) s[s.length - 1], floats(gamma), floats(beta), eps, y);
    return output(y, s);
  }

  @Override
  public Tensor activation(Tensor x, Activation kind) {
    float[] a = floats(x);
    float[] y = allocateForOverwrite(x.shape());
    Pointwise.activation(simd, pool, a, kind, y);
    return output(y, x.shape());
  }

  @Override
  public Tensor prelu(Tensor x, Tensor slopes) {
    long[] shape = Shapes.prelu(x, slopes);
    float[] y = allocateForOverwrite(shape);
    int inner = Math.toIntExact(y.length / Math.max(1, shape[0] * shape[1]));
    Pointwise.prelu(pool, floats(x), floats(slopes), Math.max(1, inner), y);
    return output(y, shape);
  }

  @Override
  public Tensor geglu(Tensor x) {
    long[] out = Shapes.geglu(x);
    float[] y = allocateForOverwrite(out);
    Pointwise.geglu(simd, pool, floats(x), (int) out[out.length - 1], y);
    return output(y, out);
  }

  @Override
  public Tensor add(Tensor a, Tensor b) {
    long[] out = Shapes.add(a, b);
    float[] y = allocateForOverwrite(out);
    Pointwise.add(pool, floats(a), floats(b), y);
    return output(y, out);
  }

  @Override
  public Tensor addPerChannel(Tensor x, Tensor b) {
    long[] out = Shapes.addPerChannel(x, b);
    float[] y = allocateForOverwrite(out);
    float[] bias = floats(b);
    Pointwise.addPerChannel(pool, floats(x), bias, bias.length == 0 ? 0 : y.length / bias.length, y);
    return output(y, out);
  }

  @Override
  public Tensor scale(Tensor x, float factor) {
    float[] a = floats(x);
    float[] y = allocateForOverwrite(x.shape());
    Pointwise.scale(pool, a, factor, y);
    return output(y, x.shape());
  }
}
