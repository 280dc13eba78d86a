package org.sdj.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.sdj.backend.DType;
import org.sdj.backend.Tensor;

/**
 * {@code linear(x [M, K], w [N, K])} with an F16 weight (the file dtype of SD checkpoints): square GEMMs and the SD 1.5
 * UNet's linear shapes (attention projections and feed-forward at 64x64, 32x32 and 16x16 latents for batch 2, and the
 * cross-attention key/value projection of the 77-token context).
 */
public class GemmBenchmark extends BackendBenchmark {
  @Param({"512x512x512", "1024x1024x1024", "8192x320x320", "8192x320x2560", "8192x1280x320", "2048x640x640",
      "512x1280x1280", "154x768x320"})
  public String mxkxn;

  private Tensor x;
  private Tensor w;

  @Setup(Level.Trial)
  public void setup() {
    open();
    String[] d = mxkxn.split("x");
    long m = Long.parseLong(d[0]);
    long k = Long.parseLong(d[1]);
    long n = Long.parseLong(d[2]);
    x = RandomWeights.activation(ops, 1, m, k);
    w = RandomWeights.weight(opened, arena, DType.F16, 2, n, k);
  }

  @Benchmark
  public void linear() {
    ops.linear(x, w, null, null).close();
  }
}
