package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/**
 * A left operand packed once for a whole product, shared read-only by all its tasks: used for weights (a convolution's
 * {@code [O, C*kh*kw]}), whose conversion from the file dtype would otherwise be repeated by every output tile and
 * every image. Block {@code k0} of depth starts at {@code k0 * mPad}; within it, {@link Simd#mr()}-row panels follow
 * each other, each {@code kc x mr} floats.
 */
record PackedA(float[] data, int m, int k, int mPad) {

  /** Packs {@code panels} ({@code m} rows of depth {@code k}) in parallel on {@code pool}. */
  static PackedA of(Simd simd, ForkJoinPool pool, Panels panels, int m, int k) {
    int mr = simd.mr();
    int mPanels = (m + mr - 1) / mr;
    int mPad = mPanels * mr;
    float[] data = new float[Math.multiplyExact(mPad, k)];
    Parallel.forChunks(pool, mPanels, Math.max(1, 64 / mr), (p0, p1) -> {
      for (int ip = p0; ip < p1; ip++) {
        for (int k0 = 0; k0 < k; k0 += Gemm.KC) {
          int kc = Math.min(Gemm.KC, k - k0);
          panels.pack(ip * mr, Math.min(mr, m - ip * mr), k0, kc, mr, data, k0 * mPad + ip * mr * kc);
        }
      }
    });
    return new PackedA(data, m, k, mPad);
  }

  /** Where the panel of rows {@code i ..} (a multiple of mr) of the depth block {@code k0 ..} of length kc starts. */
  int offset(int i, int k0, int kc) {
    return k0 * mPad + i * kc;
  }
}
