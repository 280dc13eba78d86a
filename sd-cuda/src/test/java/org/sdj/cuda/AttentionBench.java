package org.sdj.cuda;

import java.util.Random;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * Times the fused attention kernels at SD's self-attention size (batch 2, 8 heads, N 4096) for each head size, in
 * TFLOP/s (4 B H N^2 d per call, d unpadded), for scripts/gpu-check.sh; benchmarks/torch/attention_sdpa.py gives
 * PyTorch's SDPA figures for the same shapes. One line per head size, on the mma.sync kernel, or with the argument
 * {@code wgmma}, {@code wgmma-pipelined}, {@code wgmma-specialized} or {@code wgmma-pingpong} on one of the Hopper
 * kernels (flash_attention_wgmma.cu, compute capability 9.0 only; head sizes they lack run on mma.sync), with each
 * line's largest difference from the mma.sync kernel's output, and at head size 40 a second line with every
 * exponential on the special-function unit ({@link AttentionKernels#WGMMA_FMA_EXP_PROPERTY}), and for the
 * warp-specialized kernels a line per head size with cp.async in place of bulk tensor copies
 * ({@link AttentionKernels#WGMMA_TMA_PROPERTY}) and at 40 and 64 one with the other number of consumers
 * ({@link AttentionKernels#WGMMA_CONSUMERS_PROPERTY}). With the argument {@code tuning}, each head size's shipped mma.sync
 * kernel is timed beside the other tile shapes of flash_attention_tuning.cu (sm_90 only), with each one's largest
 * difference from the shipped kernel's output. Not a unit test: run with {@code java ... org.sdj.cuda.AttentionBench [N] [wgmma...|tuning]}.
 */
public final class AttentionBench {
  private AttentionBench() {}

  public static void main(String[] args) {
    int batch = 2;
    int heads = 8;
    int n = 4096;
    CudaOptions.Attention kernel = CudaOptions.Attention.MMA;
    boolean tuning = false;
    for (String a : args) {
      if (a.startsWith("wgmma")) {
        kernel = CudaOptions.Attention.fromProperty(a);
      } else if (a.equals("tuning")) {
        tuning = true;
      } else {
        n = Integer.parseInt(a);
      }
    }
    int iterations = 20;
    try (CudaBackend backend = new CudaBackend(CudaOptions.defaults().withAttention(kernel))) {
      System.out.println(backend.description());
      if (kernel != CudaOptions.Attention.MMA && !backend.attention().wgmmaAttention()) {
        System.out.println("no wgmma attention kernel on this GPU (it needs compute capability 9.0)");
        return;
      }
      if (tuning) {
        tune(backend, batch, heads, n, iterations);
        return;
      }
      AttentionKernels mma = new AttentionKernels(backend.launcher(), CudaOptions.Attention.MMA);
      System.out.printf("%-16s %-6s %-6s %-10s %-10s %-10s%n", "kernel", "d", "N", "ms", "TFLOP/s", "vs mma");
      for (int d : new int[] {40, 64, 80, 128, 160}) {
        try (Ops ops = backend.ops()) {
          Inputs in = Inputs.random(ops, batch, n, heads, d);
          double ms = time(backend, iterations, () -> in.attention(ops).close());
          String diff = "-";
          if (kernel != CudaOptions.Attention.MMA) {
            float[] got;
            try (Tensor o = in.attention(ops)) {
              got = ops.toHost(o);
            }
            try (DeviceTensor o = ((CudaOps) ops).empty(new long[] {batch, n, in.width()})) {
              mma.attention(in.q(), in.k(), in.v(), o.address(), batch, n, n, heads, d, in.width(), in.width(),
                  in.scale(), false);
              diff = String.format("%.2e", maxDiff(ops.toHost(o), got));
            }
          }
          System.out.printf("%-16s %-6d %-6d %-10.3f %-10.1f %-10s%n", kernel.property(), d, n, ms,
              in.tflops(ms), diff);
          if (kernel != CudaOptions.Attention.MMA) {
            int options = AttentionKernels.propertyOptions();
            int dp = AttentionKernels.flashDim(d);
            if (dp <= AttentionKernels.WGMMA_FMA_EXP_MAX_DP) {
              variant(backend, kernel, ops, in, iterations, "/sfu", options | AttentionKernels.WGMMA_SFU_ONLY);
            }
            if (AttentionKernels.specialized(kernel) && (options & AttentionKernels.WGMMA_TMA) != 0) {
              variant(backend, kernel, ops, in, iterations, "/cp.async", options & ~AttentionKernels.WGMMA_TMA);
            }
            if (AttentionKernels.specialized(kernel) && dp <= AttentionKernels.WGMMA_THREE_CONSUMERS_MAX_DP) {
              boolean three = (options & AttentionKernels.WGMMA_THREE_CONSUMERS) != 0;
              variant(backend, kernel, ops, in, iterations, three ? "/c2" : "/c3",
                  options ^ AttentionKernels.WGMMA_THREE_CONSUMERS);
            }
          }
        }
      }
    }
  }

  /**
   * The same wgmma kernel with other {@code options} (the line "KERNEL" + {@code label}): every exponential on the
   * special-function unit ("/sfu", beside the default that runs a quarter of them on the FMA units at head size 40), or
   * the warp-specialized producer's cp.async in place of bulk tensor copies ("/cp.async"), or its other number of
   * consumer warpgroups ("/c3" or "/c2"); its largest difference from the default's output.
   */
  private static void variant(CudaBackend backend, CudaOptions.Attention kernel, Ops ops, Inputs in, int iterations,
      String label, int options) {
    AttentionKernels other = new AttentionKernels(backend.launcher(), kernel, options);
    float[] want;
    try (Tensor o = in.attention(ops)) {
      want = ops.toHost(o);
    }
    try (DeviceTensor o = ((CudaOps) ops).empty(new long[] {in.batch(), in.n(), in.width()})) {
      Runnable call = () -> other.attention(in.q(), in.k(), in.v(), o.address(), in.batch(), in.n(), in.n(),
          in.heads(), in.d(), in.width(), in.width(), in.scale(), false);
      call.run();
      String diff = String.format("%.2e", maxDiff(want, ops.toHost(o)));
      double ms = time(backend, iterations, call);
      System.out.printf("%-16s %-6d %-6d %-10.3f %-10.1f %-10s%n", kernel.property() + label, in.d(), in.n(), ms,
          in.tflops(ms), diff);
    }
  }

  /** The shipped kernel and every tuning shape of its padded head size, at each head size. */
  private static void tune(CudaBackend backend, int batch, int heads, int n, int iterations) {
    System.out.printf("%-44s %-5s %-10s %-10s %-10s%n", "kernel", "d", "ms", "TFLOP/s", "max diff");
    AttentionKernels kernels = backend.attention();
    for (int d : new int[] {40, 64, 80, 128, 160}) {
      try (Ops ops = backend.ops()) {
        Inputs in = Inputs.random(ops, batch, n, heads, d);
        float[] want = ops.toHost(in.attention(ops));
        double ms = time(backend, iterations, () -> in.attention(ops).close());
        System.out.printf("%-44s %-5d %-10.3f %-10.1f %-10s%n", "shipped d" + AttentionKernels.flashDim(d), d, ms,
            in.tflops(ms), "-");
        int width = in.width();
        for (AttentionKernels.FlashTuning t : AttentionKernels.TUNING) {
          if (t.dp() != AttentionKernels.flashDim(d) || !kernels.has(t)) {
            continue;
          }
          DeviceTensor o = ((CudaOps) ops).empty(new long[] {batch, n, width});
          Runnable call = () -> kernels.attentionTuning(t, in.q(), in.k(), in.v(), o.address(), batch, n, n, heads, d,
              width, width, in.scale(), false);
          call.run();
          float[] got = ops.toHost(o);
          double tms = time(backend, iterations, call);
          System.out.printf("%-44s %-5d %-10.3f %-10.1f %-10.2e%n", t.kernel(), d, tms, in.tflops(tms),
              maxDiff(want, got));
          o.close();
        }
      }
    }
  }

  /** One benchmark shape's q, k and v {@code [batch, n, heads*d]} on the device. */
  private record Inputs(Tensor tq, Tensor tk, Tensor tv, int batch, int n, int heads, int d) {
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

    /** The backend's fused attention of these inputs. */
    Tensor attention(Ops ops) {
      return ops.attention(tq, tk, tv, heads, scale(), false);
    }

    /** TFLOP/s of a call taking {@code ms}: 4 B H N^2 d flops, d unpadded. */
    double tflops(double ms) {
      return 4.0 * batch * heads * (double) n * n * d / (ms * 1e-3) / 1e12;
    }
  }

  /** Milliseconds per call of {@code call}, after 3 warm-up calls. */
  private static double time(CudaBackend backend, int iterations, Runnable call) {
    for (int i = 0; i < 3; i++) {
      call.run();
    }
    backend.sync();
    long t0 = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      call.run();
    }
    backend.sync();
    return (System.nanoTime() - t0) / 1e6 / iterations;
  }

  private static double maxDiff(float[] a, float[] b) {
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
