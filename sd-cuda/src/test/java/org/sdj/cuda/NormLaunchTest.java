package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * How the norm kernels are cut and which path they take (no GPU needed): every block gets a non-empty chunk, the grid
 * fills a large GPU, indices stay in 32 bits, and 16-byte vectors are used only where they are whole and aligned.
 */
class NormLaunchTest {
  private static final long ALIGNED = 0x7f00_0000_0000L;

  @Test
  void theUNetsGroupsSpreadOverAboutAThousandBlocks() {
    // [2, 320, 64, 64] in 32 groups: 64 groups of 40960 elements.
    assertEquals(2560, NormKernels.groupChunk(64, 40960));
    assertEquals(16, NormKernels.groupSplits(64, 40960));
    // [2, 1280, 16, 16]: chunks stay at one vector per thread rather than shrinking further.
    assertEquals(NormKernels.GROUP_MIN_CHUNK, NormKernels.groupChunk(64, 10240));
    assertEquals(5, NormKernels.groupSplits(64, 10240));
    // The VAE's last up block at 512x512: 128 channels in 32 groups of 4 x 512 x 512.
    assertEquals(32768, NormKernels.groupChunk(32, 4L * 512 * 512));
    assertEquals(32, NormKernels.groupSplits(32, 4L * 512 * 512));
  }

  /** {@link NormKernels#GROUP_BLOCKS_PROPERTY}: 1024 blocks when absent or not a count from 1 to 65535. */
  @Test
  void blockTargetFromTheProperty() {
    assertEquals(1024, NormKernels.groupTargetBlocks(null));
    assertEquals(256, NormKernels.groupTargetBlocks(" 256"));
    assertEquals(65535, NormKernels.groupTargetBlocks("65535"));
    for (String bad : new String[] {"0", "-4", "65536", "many", ""}) {
      assertEquals(1024, NormKernels.groupTargetBlocks(bad), bad);
    }
  }

  @Test
  void smallGroupsTakeOneBlockEach() {
    assertEquals(1, NormKernels.groupSplits(3, 1));
    assertEquals(1, NormKernels.groupSplits(16, 4 * 63));
    assertEquals(1, NormKernels.groupSplits(1, 77 * 9));
    assertEquals(1, NormKernels.groupSplits(1, 0));
  }

  @Test
  void everyChunkIsWholeNonEmptyAndInBounds() {
    long[] groupCounts = {1, 2, 3, 8, 16, 32, 64, 96, 1000, 1024, 5000, 1 << 20};
    long[] counts = {1, 7, 8, 63, 2047, 2048, 2049, 10240, 40960, 92160, 99999, 1 << 20, 4L * 1024 * 1024,
        NormKernels.GROUP_MAX_COUNT - 1, NormKernels.GROUP_MAX_COUNT};
    for (long g : groupCounts) {
      for (long count : counts) {
        String at = g + " groups of " + count + ": ";
        long chunk = NormKernels.groupChunk(g, count);
        int splits = NormKernels.groupSplits(g, count);
        assertEquals(0, chunk % 8, at + "chunk " + chunk + " is not whole vectors");
        assertTrue(chunk >= NormKernels.GROUP_MIN_CHUNK, at + "chunk " + chunk);
        assertTrue(splits >= 1 && splits <= 65535, at + "grid y " + splits);
        assertTrue((splits - 1) * chunk < count || count == 0 && splits == 1, at + "the last block has no elements");
        assertTrue(splits * chunk >= count, at + "elements left over");
        // The kernels' int index of a thread's next vector after the group's last chunk must not overflow.
        assertTrue((splits - 1) * chunk + chunk + 256L * 8 <= Integer.MAX_VALUE, at + "int index overflows");
        if (g * count >= 1024L * NormKernels.GROUP_MIN_CHUNK) {
          assertTrue(g * splits >= 512, at + "only " + g * splits + " blocks");
        }
      }
    }
  }

  @Test
  void groupsBeyondTheIntIndexRangeAreRefusedNamingTheLimit() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> NormKernels.groupSplits(2, NormKernels.GROUP_MAX_COUNT + 1));
    assertTrue(e.getMessage().contains(Long.toString(NormKernels.GROUP_MAX_COUNT)), e.getMessage());
  }

  @Test
  void groupNormVectorizesOnlyWholeAlignedChannels() {
    assertTrue(NormKernels.groupVectorized(64 * 64, 2560, ALIGNED, ALIGNED + 256));
    assertTrue(NormKernels.groupVectorized(8, 2048, ALIGNED, ALIGNED));
    assertFalse(NormKernels.groupVectorized(63, 2048, ALIGNED, ALIGNED), "channels straddle vectors");
    assertFalse(NormKernels.groupVectorized(97 * 95, 2048, ALIGNED, ALIGNED), "odd spatial size");
    assertFalse(NormKernels.groupVectorized(4096, 2052, ALIGNED, ALIGNED), "chunk of partial vectors");
    assertFalse(NormKernels.groupVectorized(4096, 2560, ALIGNED + 2, ALIGNED), "x misaligned");
    assertFalse(NormKernels.groupVectorized(4096, 2560, ALIGNED, ALIGNED + 8), "y misaligned");
  }

  @Test
  void layerNormVectorizesAlignedRowsUpToTheRegisterLimit() {
    for (int width : new int[] {8, 320, 640, 768, 1024, 1280}) {
      assertTrue(NormKernels.layerVectorized(width, ALIGNED, ALIGNED, ALIGNED, ALIGNED), "width " + width);
    }
    for (int width : new int[] {1, 77, 257, 1288, 2048}) {
      assertFalse(NormKernels.layerVectorized(width, ALIGNED, ALIGNED, ALIGNED, ALIGNED), "width " + width);
    }
    assertFalse(NormKernels.layerVectorized(320, ALIGNED + 2, ALIGNED, ALIGNED, ALIGNED), "x misaligned");
    assertFalse(NormKernels.layerVectorized(320, ALIGNED, ALIGNED + 4, ALIGNED, ALIGNED), "gamma misaligned");
    assertFalse(NormKernels.layerVectorized(320, ALIGNED, ALIGNED, ALIGNED + 8, ALIGNED), "beta misaligned");
    assertFalse(NormKernels.layerVectorized(320, ALIGNED, ALIGNED, ALIGNED, ALIGNED + 6), "y misaligned");
  }

  /** The channels-last statistics kernel's limits and block size, as group_norm.cuh declares them. */
  @Test
  void channelsLastLimitsMatchTheSource() throws IOException {
    String source = Files.readString(KernelSources.path("group_norm.cuh"));
    assertEquals(constant(source, "NHWC_MAX_GROUPS"), NormKernels.NHWC_MAX_GROUPS);
    assertEquals(constant(source, "NHWC_MAX_CHANNELS"), NormKernels.NHWC_MAX_CHANNELS);
    assertEquals(constant(source, "NHWC_STATS_THREADS"), NormKernels.NHWC_STATS_THREADS);
  }

  private static int constant(String source, String name) {
    Matcher m = Pattern.compile("constexpr int " + name + " = (\\d+);").matcher(source);
    assertTrue(m.find(), name + " in group_norm.cuh");
    return Integer.parseInt(m.group(1));
  }
}
