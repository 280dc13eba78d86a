package org.sdj.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Conv2dParams;

/** Large convolutions run in slabs of output pixels; a slab boundary must not change the result. */
class Conv2dSlabTest {
  @Test
  void slabsGiveTheSameResultAsOnePass() {
    Random r = new Random(7);
    Conv2d.Shape s = Conv2d.Shape.of(new long[] {2, 3, 11, 9}, new long[] {4, 3, 3, 3}, new long[] {2, 4, 6, 5});
    float[] x = new float[2 * 3 * 11 * 9];
    float[] w = new float[4 * 3 * 3 * 3];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    Conv2dParams p = new Conv2dParams(2, 1, 0, 1, 0);
    ForkJoinPool pool = new ForkJoinPool(2);
    try {
      float[] whole = new float[2 * 4 * 6 * 5];
      float[] slabs = new float[whole.length];
      Conv2d.apply(pool, x, w, null, p, null, s, whole);
      // 27 rows of im2col, 7 pixels per slab: 30 pixels split 7+7+7+7+2
      Conv2d.apply(pool, x, w, null, p, null, s, slabs, 27 * 7);
      assertArrayEquals(whole, slabs);
    } finally {
      pool.shutdown();
    }
  }
}
