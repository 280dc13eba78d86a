package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/**
 * An operand packed once for a whole product and shared read-only by all its tasks, so that no output tile converts
 * or gathers it again: the rows of {@code A} in {@link Simd#mr()}-row panels (a convolution's weight, the activation
 * of a wide product) or the columns of {@code B} in {@link Simd#nr()}-column panels (the weight or the im2col columns
 * of a tall product). Block {@code k0} of depth starts at {@code base + k0 * pad}; within it, panels follow each other,
 * each {@code kc x width} floats, element {@code (i, p)} of a panel at {@code p * width + i % width}.
 *
 * @param count rows (or columns) packed
 * @param pad {@code count} rounded up to whole panels
 * @param base where block 0 starts: on a cache line where {@link CacheLines} can tell
 */
record PackedPanels(float[] data, int count, int k, int pad, int base) {

  /** Packs {@code count} rows (or columns) of depth {@code k} from {@code panels} into panels of {@code width}. */
  static PackedPanels of(ForkJoinPool pool, Panels panels, int count, int k, int width) {
    return of(pool, panels, count, k, width, new float[0]);
  }

  /** As above, into {@code buffer} where it is long enough (its contents are overwritten), else into a new array. */
  static PackedPanels of(ForkJoinPool pool, Panels panels, int count, int k, int width, float[] buffer) {
    int nPanels = (count + width - 1) / width;
    int pad = nPanels * width;
    int size = Math.addExact(Math.multiplyExact(pad, k), CacheLines.FLOATS);
    float[] data = buffer.length >= size ? buffer : new float[size];
    int base = CacheLines.firstAligned(data);
    Parallel.forChunks(pool, nPanels, Math.max(1, 64 / width), (p0, p1) -> {
      for (int ip = p0; ip < p1; ip++) {
        for (int k0 = 0; k0 < k; k0 += Gemm.KC) {
          int kc = Math.min(Gemm.KC, k - k0);
          panels.pack(ip * width, Math.min(width, count - ip * width), k0, kc, width, data,
              base + k0 * pad + ip * width * kc);
        }
      }
    });
    return new PackedPanels(data, count, k, pad, base);
  }

  /** Where the panel of rows {@code i ..} (a multiple of the width) of the depth block {@code k0 ..} starts. */
  int offset(int i, int k0, int kc) {
    return base + k0 * pad + i * kc;
  }
}
