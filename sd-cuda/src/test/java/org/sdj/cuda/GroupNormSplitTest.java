package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How a group norm spreads large groups over blocks (no GPU needed): every block gets a non-empty chunk. */
class GroupNormSplitTest {
  @Test
  void smallGroupsTakeOneBlock() {
    assertEquals(1, Kernels.groupSplits(0));
    assertEquals(1, Kernels.groupSplits(1));
    assertEquals(1, Kernels.groupSplits(Kernels.GROUP_CHUNK));
  }

  @Test
  void largeGroupsSplitIntoWholeChunksAndOneRemainder() {
    assertEquals(2, Kernels.groupSplits(Kernels.GROUP_CHUNK + 1));
    // The VAE's last up block at 512x512: 128 channels in 32 groups of 4 x 512 x 512.
    assertEquals(32, Kernels.groupSplits(4L * 512 * 512));
    // The UNet's first level at 64x64: 320 channels in 32 groups.
    assertEquals(2, Kernels.groupSplits(10L * 64 * 64));
  }

  @Test
  void noBlockIsLeftWithoutElementsAndTheGridStaysInBounds() {
    for (long count : new long[] {32769, 65535, 65536, 99999, 1L << 31, 5_000_000_000L}) {
      int splits = Kernels.groupSplits(count);
      assertTrue(splits <= 65535, "grid y " + splits);
      long chunk = Math.ceilDiv(count, splits);
      // The kernels use chunk = max(GROUP_CHUNK, ceil(count / 65535)); the last block starts before the end.
      long used = Math.max(Kernels.GROUP_CHUNK, Math.ceilDiv(count, 65535));
      assertTrue((long) (splits - 1) * used < count, count + ": block " + (splits - 1) + " would be empty");
      assertTrue((long) splits * used >= count, count + ": elements left over");
      assertTrue(chunk <= used);
    }
  }
}
