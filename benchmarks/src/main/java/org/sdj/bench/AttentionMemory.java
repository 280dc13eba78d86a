package org.sdj.bench;

import java.lang.management.ManagementFactory;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * The memory side of the attention benchmark, run once per backend in a fresh JVM: {@code AttentionMemory sdj-cpu}
 * reports the bytes a (warmed-up) call allocates on the Java heap beyond its output, an upper bound of its peak extra
 * memory; for both backends it reports how much the first call raised the process's peak RSS (for libtorch, whose
 * memory is native, the only measure). Both are compared with the naive score matrix {@code B * heads * N * N * 4}
 * bytes.
 */
public final class AttentionMemory {
  private AttentionMemory() {}

  public static void main(String[] args) {
    String backendName = args.length > 0 ? args[0] : Backends.SDJ;
    int b = 2;
    int heads = 8;
    int n = 4096;
    int d = 40;
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (Backend backend = Backends.open(backendName); Ops ops = backend.ops()) {
      Tensor q = RandomWeights.activation(ops, 1, b, n, heads * d);
      Tensor k = RandomWeights.activation(ops, 2, b, n, heads * d);
      Tensor v = RandomWeights.activation(ops, 3, b, n, heads * d);
      long output = 4L * b * n * heads * d;
      float scale = (float) (1 / Math.sqrt(d));
      long rssBefore = Machine.peakRss();
      ops.attention(q, k, v, heads, scale, false).close();
      long rss = Machine.peakRss() - rssBefore;
      // Heap allocation is measured once the JIT has compiled the kernels: interpreted Vector API code boxes vectors.
      for (int i = 0; i < 5; i++) {
        ops.attention(q, k, v, heads, scale, false).close();
      }
      long allocatedBefore = threads.getTotalThreadAllocatedBytes();
      ops.attention(q, k, v, heads, scale, false).close();
      long allocated = threads.getTotalThreadAllocatedBytes() - allocatedBefore - output;
      long naive = 4L * b * heads * n * n;
      System.out.printf("%s attention B=%d heads=%d N=%d d=%d: heap allocated beyond the output %.1f MB"
          + " (warm call), peak RSS growth %.1f MB (first call); naive score matrix %.1f MB%n", backendName, b, heads,
          n, d, allocated / 1e6, rss / 1e6, naive / 1e6);
    }
  }
}
