package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Which path concat, the per-channel add and the transpose take (no GPU needed): 16-byte vectors only where they are
 * whole, aligned and within the kernels' 32-bit vector index; the scalar kernels otherwise.
 */
class LayoutLaunchTest {
  private static final long ALIGNED = 0x7f00_0000_0000L;

  @Test
  void theUNetsSkipConcatsCopyVectors() {
    // [2,1280,16,16] ++ [2,640,16,16] and [2,640,64,64] ++ [2,320,64,64] along channels: outer = batch.
    assertTrue(Kernels.concatVectorized(ALIGNED, ALIGNED + 4096, ALIGNED + 8192, 2, 1280 * 256, 640 * 256));
    assertTrue(Kernels.concatVectorized(ALIGNED, ALIGNED + 4096, ALIGNED + 8192, 2, 640 * 4096, 320 * 4096));
    // The guidance batch [1,4,64,64] ++ [1,4,64,64] along dim 0 of float32 latents, rows in 16-bit halves.
    assertTrue(Kernels.concatVectorized(ALIGNED, ALIGNED + 4096, ALIGNED + 8192, 1, 2 * 4 * 4096, 2 * 4 * 4096));
  }

  @Test
  void concatFallsBackToScalarsForPartialVectorsOrMisalignment() {
    assertFalse(Kernels.concatVectorized(ALIGNED, ALIGNED, ALIGNED, 2, 3 * 35, 13 * 35));
    assertFalse(Kernels.concatVectorized(ALIGNED, ALIGNED, ALIGNED, 2, 16, 12));
    assertFalse(Kernels.concatVectorized(ALIGNED, ALIGNED, ALIGNED, 2, 12, 16));
    assertFalse(Kernels.concatVectorized(ALIGNED + 2, ALIGNED, ALIGNED, 2, 64, 64));
    assertFalse(Kernels.concatVectorized(ALIGNED, ALIGNED + 8, ALIGNED, 2, 64, 64));
    assertFalse(Kernels.concatVectorized(ALIGNED, ALIGNED, ALIGNED + 6, 2, 64, 64));
    // 2^31 vectors would overflow the kernel's index.
    assertFalse(Kernels.concatVectorized(ALIGNED, ALIGNED, ALIGNED, 1L << 20, 1L << 13, 1L << 13));
  }

  @Test
  void vectorIndexStopsJustBelowTwoToThe31Vectors() {
    assertTrue(Kernels.vectorIndexFits(8L * (Integer.MAX_VALUE - 1)));
    assertFalse(Kernels.vectorIndexFits(8L * Integer.MAX_VALUE));
    assertTrue(Kernels.vectorIndexFits(0));
  }

  @Test
  void perChannelAddsVectorizeWherePlanesAreWholeVectors() {
    for (long spatial : new long[] {4096, 1024, 256, 64, 8}) {
      assertTrue(Kernels.addPerChannelVectorized(ALIGNED, ALIGNED + 512, 2 * 1280 * spatial, spatial), "" + spatial);
    }
    assertFalse(Kernels.addPerChannelVectorized(ALIGNED, ALIGNED, 2 * 13 * 35, 35));
    assertFalse(Kernels.addPerChannelVectorized(ALIGNED, ALIGNED, 6, 1));
    assertFalse(Kernels.addPerChannelVectorized(ALIGNED, ALIGNED, 2 * 4 * 12, 12));
    assertFalse(Kernels.addPerChannelVectorized(ALIGNED + 2, ALIGNED, 2 * 4 * 16, 16));
    assertFalse(Kernels.addPerChannelVectorized(ALIGNED, ALIGNED + 10, 2 * 4 * 16, 16));
  }

  @Test
  void theUNetsTokenTransposesVectorize() {
    int[][] nchw = {{320, 4096}, {640, 1024}, {1280, 256}, {1280, 64}};
    for (int[] s : nchw) {
      assertTrue(Kernels.transposeVectorized(ALIGNED, ALIGNED + 1024, s[0], s[1]));
      assertTrue(Kernels.transposeVectorized(ALIGNED, ALIGNED + 1024, s[1], s[0]));
    }
    assertArrayEquals(new int[] {64, 5, 2}, Kernels.transposeGrid(2, 320, 4096));
    assertArrayEquals(new int[] {5, 64, 2}, Kernels.transposeGrid(2, 4096, 320));
    assertArrayEquals(new int[] {1, 20, 2}, Kernels.transposeGrid(2, 1280, 64));
  }

  @Test
  void raggedTransposeTilesStillCoverTheMatrix() {
    assertArrayEquals(new int[] {4, 3, 3}, Kernels.transposeGrid(3, 136, 200));
    assertArrayEquals(new int[] {1, 1, 1}, Kernels.transposeGrid(1, 8, 8));
  }

  @Test
  void transposeFallsBackToScalarsForPartialVectorsOrMisalignment() {
    assertFalse(Kernels.transposeVectorized(ALIGNED, ALIGNED, 13, 35));
    assertFalse(Kernels.transposeVectorized(ALIGNED, ALIGNED, 64, 100));
    assertFalse(Kernels.transposeVectorized(ALIGNED, ALIGNED, 100, 64));
    assertFalse(Kernels.transposeVectorized(ALIGNED + 2, ALIGNED, 64, 64));
    assertFalse(Kernels.transposeVectorized(ALIGNED, ALIGNED + 4, 64, 64));
  }
}
