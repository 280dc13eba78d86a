package org.sdj.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.sdj.backend.Tensor;

/**
 * Multi-head attention at the UNet's 64x64 level, batch 2, 8 heads of 40: self-attention ({@code N = 4096} keys) and
 * cross-attention (77 keys); libtorch runs {@code scaled_dot_product_attention}.
 */
public class AttentionBenchmark extends BackendBenchmark {
  /** {@code B x heads x Nq x Nk x d}. */
  @Param({"2x8x4096x4096x40", "2x8x4096x77x40"})
  public String attn;

  private Tensor q;
  private Tensor k;
  private Tensor v;
  private int heads;
  private float scale;

  @Setup(Level.Trial)
  public void setup() {
    open();
    long[] d = java.util.Arrays.stream(attn.split("x")).mapToLong(Long::parseLong).toArray();
    heads = (int) d[1];
    q = RandomWeights.activation(ops, 1, d[0], d[2], d[1] * d[4]);
    k = RandomWeights.activation(ops, 2, d[0], d[3], d[1] * d[4]);
    v = RandomWeights.activation(ops, 3, d[0], d[3], d[1] * d[4]);
    scale = (float) (1 / Math.sqrt(d[4]));
  }

  @Benchmark
  public void attention() {
    ops.attention(q, k, v, heads, scale, false).close();
  }
}
