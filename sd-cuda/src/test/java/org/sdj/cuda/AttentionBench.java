package org.sdj.cuda;

import java.util.Random;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * Times the fused attention kernels at SD's self-attention size (batch 2, 8 heads, N 4096) for each head size, in
 * TFLOP/s (4 B H N^2 d per call, d unpadded), for scripts/gpu-check.sh; benchmarks/torch/attention_sdpa.py gives
 * PyTorch's SDPA figures for the same shapes. Per head size: the mma.sync kernel, then, where the GPU is compute
 * capability 9.0, the wgmma one (flash_attention_wgmma.cu) as configured ({@link AttentionKernels#propertyCopies}),
 * then its producer copying each tile with one bulk copy ({@code wgmma/tile},
 * {@link AttentionKernels.Copies#TMA_TILES}); each with its largest difference from the mma.sync kernel's output
 * (AttentionTune times the wgmma kernel's other shapes); the median of {@value #ROUNDS} rounds and their spread. Not a
 * unit test: run with {@code java ... org.sdj.cuda.AttentionBench [N]}.
 */
public final class AttentionBench {
  private AttentionBench() {}

  /**
   * Rounds of {@code iterations} calls per line: its ms the median, its spread the largest less the smallest (one
   * round of a tuned kernel once read 0.198 ms where the same kernel's next line read 0.137, run 11).
   */
  private static final int ROUNDS = 5;

  public static void main(String[] args) {
    int batch = 2;
    int heads = 8;
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
    int iterations = 20;
    try (CudaBackend backend = new CudaBackend(CudaOptions.defaults())) {
      System.out.println(backend.description());
      AttentionKernels mma = new AttentionKernels(backend.launcher(), CudaOptions.Attention.MMA);
      AttentionKernels wgmma = new AttentionKernels(backend.launcher(), CudaOptions.Attention.WGMMA);
      AttentionKernels tiles = new AttentionKernels(backend.launcher(), CudaOptions.Attention.WGMMA,
          AttentionKernels.Copies.TMA_TILES);
      System.out.printf("%-12s %-6s %-6s %-10s %-10s %-10s %-8s%n", "kernel", "d", "N", "ms", "TFLOP/s", "vs mma",
          "spread");
      int[] sizes = {40, 64, 80, 128, 160};
      float[][] wants = new float[sizes.length][];
      for (int i = 0; i < sizes.length; i++) {
        try (Ops ops = backend.ops()) {
          Inputs in = Inputs.random(ops, batch, n, heads, sizes[i]);
          wants[i] = line(backend, mma, "mma", ops, in, iterations, null);
          if (wgmma.wgmmaAttention()) {
            line(backend, wgmma, "wgmma", ops, in, iterations, wants[i]);
          }
        }
      }
      // The experiments last, so that a fault in one (the context is then lost) costs none of the lines above.
      for (int i = 0; i < sizes.length && wgmma.wgmmaAttention(); i++) {
        try (Ops ops = backend.ops()) {
          Inputs in = Inputs.random(ops, batch, n, heads, sizes[i]);
          line(backend, tiles, "wgmma/tile", ops, in, iterations, wants[i]);
        }
      }
      if (!wgmma.wgmmaAttention()) {
        System.out.println("no wgmma attention kernel on this GPU (it needs compute capability 9.0)");
      }
    }
  }

  /**
   * Times {@code kernels} on {@code in}, prints its line as {@code label} (with the largest difference from
   * {@code want}, if any).
   */
  private static float[] line(CudaBackend backend, AttentionKernels kernels, String label, Ops ops, Inputs in,
      int iterations, float[] want) {
    try (DeviceTensor o = ((CudaOps) ops).empty(new long[] {in.batch(), in.n(), in.width()})) {
      Runnable call = () -> kernels.attention(in.q(), in.k(), in.v(), o.address(), in.batch(), in.n(), in.n(),
          in.heads(), in.d(), in.width(), in.width(), in.scale(), false);
      call.run();
      float[] got = ops.toHost(o);
      double[] rounds = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        rounds[r] = time(backend::sync, iterations, call);
      }
      Spread spread = Spread.of(rounds);
      System.out.printf("%-12s %-6d %-6d %-10.3f %-10.1f %-10s %-8.3f%n", label, in.d(), in.n(), spread.median(),
          in.tflops(spread.median()), want == null ? "-" : String.format("%.2e", maxDiff(want, got)),
          spread.max() - spread.min());
      return got;
    }
  }

  /** One benchmark shape's q, k and v {@code [batch, n, heads*d]} on the device. */
  record Inputs(Tensor tq, Tensor tk, Tensor tv, int batch, int n, int heads, int d) {
    /**
     * Independent random q, k and v, the same for the same head size: with k = q every row's maximum would sit on the
     * diagonal, which would flatter the kernel's skipping of the rescale where no row maximum rose.
     */
    static Inputs random(Ops ops, int batch, int n, int heads, int d) {
      Random r = new Random(d);
      Tensor[] t = new Tensor[3];
      for (int i = 0; i < 3; i++) {
        t[i] = ops.fromHost(gaussian(r, batch * n * heads * d), batch, n, heads * d);
      }
      return new Inputs(t[0], t[1], t[2], batch, n, heads, d);
    }

    float scale() {
      return (float) (1 / Math.sqrt(d));
    }

    int width() {
      return heads * d;
    }

    long q() {
      return ((DeviceTensor) tq).address();
    }

    long k() {
      return ((DeviceTensor) tk).address();
    }

    long v() {
      return ((DeviceTensor) tv).address();
    }

    /** TFLOP/s of a call taking {@code ms}: 4 B H N^2 d flops, d unpadded. */
    double tflops(double ms) {
      return 4.0 * batch * heads * (double) n * n * d / (ms * 1e-3) / 1e12;
    }
  }

  /** Milliseconds per call of {@code call}, after 3 warm-up calls; {@code sync} waits for the device. */
  static double time(Runnable sync, int iterations, Runnable call) {
    for (int i = 0; i < 3; i++) {
      call.run();
    }
    sync.run();
    long t0 = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      call.run();
    }
    sync.run();
    return (System.nanoTime() - t0) / 1e6 / iterations;
  }

  static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  private static float[] gaussian(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }
}
