package org.sdj.cpu;

import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.sdj.backend.Backend;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;

/**
 * Rough timings of the hot ops on the CPU and reference backends, printed for a human (not a test; run its main from
 * the test class path). Real benchmarks live in the JMH module.
 */
public final class CpuTimings {
  private CpuTimings() {}

  public static void main(String[] args) {
    try (Backend cpu = new CpuBackend(); Backend ref = new ReferenceBackend()) {
      System.out.println(cpu.description());
      for (Backend b : new Backend[] {cpu, ref}) {
        time(b, "conv2d 3x3 [2,320,64,64] -> 320", ops -> {
          Tensor x = act(ops, 2, 320, 64, 64);
          Tensor w = act(ops, 320, 320, 3, 3);
          Tensor bias = act(ops, 320);
          return () -> ops.conv2d(x, w, bias, Conv2dParams.of(1, 1), null);
        });
        time(b, "linear [4096,320] x [320,320]^T", ops -> {
          Tensor x = act(ops, 4096, 320);
          Tensor w = act(ops, 320, 320);
          Tensor bias = act(ops, 320);
          return () -> ops.linear(x, w, bias, null);
        });
        if (b == cpu || args.length > 0) {
          time(b, "attention [2,4096,320] 8 heads", ops -> {
            Tensor q = act(ops, 2, 4096, 320);
            return () -> ops.attention(q, q, q, 8, 0.158f, false);
          });
        }
        time(b, "groupNorm+silu [2,320,64,64]", ops -> {
          Tensor x = act(ops, 2, 320, 64, 64);
          Tensor g = act(ops, 320);
          return () -> ops.groupNorm(x, 32, g, g, 1e-5f, true);
        });
      }
    }
  }

  /** Best of a few runs; {@code setup} makes the operands (untimed) and returns the op to time. */
  private static void time(Backend b, String what, Function<Ops, Supplier<Tensor>> setup) {
    int runs = b instanceof CpuBackend ? 12 : 1;
    long best = Long.MAX_VALUE;
    for (int i = 0; i < runs; i++) {
      try (Ops ops = b.ops()) {
        Supplier<Tensor> op = setup.apply(ops);
        long t0 = System.nanoTime();
        op.get();
        best = Math.min(best, System.nanoTime() - t0);
      }
    }
    System.out.printf("%-10s %-40s %9.1f ms%n", b.name(), what, best / 1e6);
  }

  private static Tensor act(Ops ops, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] v = new float[(int) n];
    Random r = new Random(1);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian() * 0.05f;
    }
    return ops.fromHost(v, shape);
  }
}
