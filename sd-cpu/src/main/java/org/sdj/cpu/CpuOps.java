package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;
import org.sdj.backend.Activation;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceOps;

/**
 * A forward pass on the {@link CpuBackend}: the reference backend's heap tensors and data-movement ops, with the
 * compute ops replaced by float32 kernels that run in parallel on the backend's pool.
 */
final class CpuOps extends ReferenceOps {
  private final ForkJoinPool pool;

  CpuOps(CpuBackend backend, ForkJoinPool pool) {
    super(backend);
    this.pool = pool;
  }

  @Override
  public Tensor linear(Tensor x, Tensor weight, Tensor bias, Tensor residual) {
    long[] out = Shapes.linear(x, weight, bias, residual);
    float[] y = allocate(out);
    int in = (int) weight.dim(1);
    int outF = (int) weight.dim(0);
    int rows = outF == 0 ? 0 : y.length / outF;
    Linear.apply(pool, read(x), read(weight), read(bias), read(residual), rows, in, outF, y);
    return output(y, out);
  }

  @Override
  public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams params, Tensor residual) {
    long[] out = Shapes.conv2d(x, weight, bias, params, residual);
    float[] y = allocate(out);
    Conv2d.apply(pool, read(x), read(weight), read(bias), params, read(residual),
        Conv2d.Shape.of(x.shape(), weight.shape(), out), y);
    return output(y, out);
  }

  @Override
  public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, boolean causal) {
    long[] out = Shapes.attention(q, k, v, heads);
    float[] y = allocate(out);
    var shape = new Attention.Shape((int) out[0], (int) out[1], (int) k.dim(1), (int) out[2], heads);
    Attention.apply(pool, read(q), read(k), read(v), shape, scale, causal, y);
    return output(y, out);
  }

  @Override
  public Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) {
    long[] s = Shapes.groupNorm(x, groups, gamma, beta);
    float[] y = allocate(s);
    int n = (int) s[0];
    int channels = (int) s[1];
    int spatial = n * channels == 0 ? 0 : y.length / (n * channels);
    GroupNorm.apply(pool, read(x), n, channels, spatial, groups, read(gamma), read(beta), eps, silu, y);
    return output(y, s);
  }

  @Override
  public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    long[] s = Shapes.layerNorm(x, gamma, beta);
    float[] y = allocate(s);
    LayerNorm.apply(pool, read(x), (int) s[s.length - 1], read(gamma), read(beta), eps, y);
    return output(y, s);
  }

  @Override
  public Tensor activation(Tensor x, Activation kind) {
    float[] a = read(x);
    float[] y = allocate(x.shape());
    Pointwise.activation(pool, a, kind, y);
    return output(y, x.shape());
  }

  @Override
  public Tensor geglu(Tensor x) {
    long[] out = Shapes.geglu(x);
    float[] y = allocate(out);
    Pointwise.geglu(pool, read(x), (int) out[out.length - 1], y);
    return output(y, out);
  }

  @Override
  public Tensor add(Tensor a, Tensor b) {
    long[] out = Shapes.add(a, b);
    float[] y = allocate(out);
    Pointwise.add(pool, read(a), read(b), y);
    return output(y, out);
  }

  @Override
  public Tensor addPerChannel(Tensor x, Tensor b) {
    long[] out = Shapes.addPerChannel(x, b);
    float[] y = allocate(out);
    float[] bias = read(b);
    Pointwise.addPerChannel(pool, read(x), bias, bias.length == 0 ? 0 : y.length / bias.length, y);
    return output(y, out);
  }

  @Override
  public Tensor scale(Tensor x, float factor) {
    float[] a = read(x);
    float[] y = allocate(x.shape());
    Pointwise.scale(pool, a, factor, y);
    return output(y, x.shape());
  }
}
