package org.sdj.cuda;

import java.util.Random;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * Times the fused attention kernel at SD's self-attention size (batch 2, 8 heads, N 4096) for each head size, in
 * TFLOP/s (4 B H N^2 d per call), for scripts/gpu-check.sh; benchmarks/torch/attention_sdpa.py gives PyTorch's SDPA
 * figures for the same shapes. Not a unit test: run with {@code java ... org.sdj.cuda.AttentionBench}.
 */
public final class AttentionBench {
  private AttentionBench() {}

  public static void main(String[] args) {
    int batch = 2;
    int heads = 8;
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
    int iterations = 20;
    try (CudaBackend backend = new CudaBackend(CudaOptions.defaults())) {
      System.out.println(backend.description());
      System.out.printf("%-6s %-6s %-10s %-10s%n", "d", "N", "ms", "TFLOP/s");
      for (int d : new int[] {40, 64, 80, 128, 160}) {
        try (Ops ops = backend.ops()) {
          Random r = new Random(d);
          float[] host = new float[batch * n * heads * d];
          for (int i = 0; i < host.length; i++) {
            host[i] = (float) r.nextGaussian();
          }
          Tensor q = ops.fromHost(host, batch, n, heads * d);
          Tensor k = ops.fromHost(host, batch, n, heads * d);
          Tensor v = ops.fromHost(host, batch, n, heads * d);
          float scale = (float) (1 / Math.sqrt(d));
          for (int i = 0; i < 3; i++) {
            ops.attention(q, k, v, heads, scale, false).close();
          }
          backend.sync();
          long t0 = System.nanoTime();
          for (int i = 0; i < iterations; i++) {
            ops.attention(q, k, v, heads, scale, false).close();
          }
          backend.sync();
          double ms = (System.nanoTime() - t0) / 1e6 / iterations;
          double flops = 4.0 * batch * heads * (double) n * n * d;
          System.out.printf("%-6d %-6d %-10.3f %-10.1f%n", d, n, ms, flops / (ms * 1e-3) / 1e12);
        }
      }
    }
  }
}
