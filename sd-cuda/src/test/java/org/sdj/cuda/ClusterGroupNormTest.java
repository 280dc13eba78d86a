package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Where {@link ClusterGroupNorm} applies and how it cuts (no GPU needed). */
class ClusterGroupNormTest {
  private static final long ALIGNED = 0x7f00_0000_0000L;

  @Test
  void theUNetsGroupNormsTakeSlicesOfWholeGroupsAndVectors() {
    // channels, pixels (batch 2, 32 groups): slice, pixels per block, rows of threads
    // (a slice grows from the smallest, lcm(8, channels / 32), to 64 channels or more while 16 clusters remain)
    int[][] cases = {{320, 4096, 40, 512, 51}, {640, 4096, 80, 512, 25}, {960, 4096, 120, 512, 17},
        {640, 1024, 80, 128, 25}, {1280, 1024, 80, 128, 25}, {1280, 256, 80, 32, 25}, {1280, 64, 80, 8, 8},
        {2560, 64, 80, 8, 8}, {1920, 1024, 120, 128, 17}};
    for (int[] c : cases) {
      ClusterGroupNorm.Cut cut = ClusterGroupNorm.Cut.of(2, c[0], c[1], 32, ALIGNED, ALIGNED).orElseThrow();
      String at = c[0] + " channels x " + c[1] + " pixels";
      assertEquals(c[2], cut.slice(), at + ": slice");
      assertEquals(c[3], cut.perBlock(), at + ": pixels per block");
      assertEquals(c[4], cut.rows(), at + ": rows");
      assertEquals(2 * c[0] / c[2] * ClusterGroupNorm.CLUSTER, cut.grid()[0] * cut.grid()[1] * cut.grid()[2], at);
    }
  }

  @Test
  void everyCutHoldsWholeGroupsWithinTheKernelsLimits() {
    int[] groupCounts = {1, 2, 4, 8, 16, 32, 64};
    int[] channelCounts = {8, 16, 24, 48, 64, 96, 128, 320, 512, 960, 1280, 1920, 2560, 4096};
    long[] pixelCounts = {1, 5, 7, 8, 9, 63, 64, 1000, 4096, 16384, 65536};
    for (int n : new int[] {1, 2, 3}) {
      for (int groups : groupCounts) {
        for (int channels : channelCounts) {
          if (channels % groups != 0) {
            continue;
          }
          for (long pixels : pixelCounts) {
            String at = n + " x " + pixels + " x " + channels + " in " + groups;
            ClusterGroupNorm.Cut.of(n, channels, pixels, groups, ALIGNED, ALIGNED).ifPresent(cut -> {
              assertEquals(0, cut.slice() % 8, at);
              assertEquals(0, cut.slice() % (channels / groups), at);
              assertEquals(0, channels % cut.slice(), at);
              assertTrue(cut.threads() <= ClusterGroupNorm.MAX_THREADS && cut.rows() >= 1, at);
              assertTrue(cut.perBlock() * (long) ClusterGroupNorm.CLUSTER >= pixels, at + ": pixels left over");
              assertTrue(cut.sharedBytes() <= 227 * 1024, at + ": " + cut.sharedBytes() + " bytes of shared memory");
            });
          }
        }
      }
    }
  }

  @Test
  void declinesWhatItCannotTake() {
    // The VAE's last up block at 512x512: a block's run of 32768 pixels x 8 channels outgrows shared memory.
    assertTrue(ClusterGroupNorm.Cut.of(1, 128, 512L * 512, 32, ALIGNED, ALIGNED).isEmpty());
    // No whole 8-channel vectors, or not 16-byte aligned.
    assertTrue(ClusterGroupNorm.Cut.of(1, 12, 64, 4, ALIGNED, ALIGNED).isEmpty());
    assertTrue(ClusterGroupNorm.Cut.of(1, 16, 64, 4, ALIGNED + 2, ALIGNED).isEmpty());
    assertTrue(ClusterGroupNorm.Cut.of(1, 16, 64, 4, ALIGNED, ALIGNED + 8).isEmpty());
    // A slice of one group wider than a block's 256 vectors.
    assertTrue(ClusterGroupNorm.Cut.of(1, 4096, 64, 1, ALIGNED, ALIGNED).isEmpty());
  }

  /** Its image is built for 9.0 and newer only: a GPU before that skips it, and NormKernels runs the three kernels. */
  @Test
  void itsImageMayBeMissingAndItsKernelIsNamedPerStorageType() {
    assertTrue(KernelModule.archSpecific("group_norm_cluster_sm90.fatbin"));
    assertTrue(!KernelModule.archSpecific("norms.fatbin"));
    assertEquals("sdj_group_norm_cluster_nhwc_bf16", ClusterGroupNorm.kernel("_bf16"));
    assertEquals("sdj.cuda.groupNormCluster", NormKernels.CLUSTER_PROPERTY);
  }

  /** The property takes true (every norm), false (none) or the most pixels a sample; anything else is refused. */
  @Test
  void thePropertySaysWhichNormsRunInOneKernel() {
    assertEquals(Long.MAX_VALUE, NormKernels.clusterMaxPixels("true"));
    assertEquals(0, NormKernels.clusterMaxPixels("false"));
    assertEquals(256, NormKernels.clusterMaxPixels(" 256 "));
    for (String bad : new String[] {"-1", "yes", "", "1e3"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> NormKernels.clusterMaxPixels(bad), bad);
      assertTrue(e.getMessage().contains("sdj.cuda.groupNormCluster"), e.getMessage());
    }
  }
}
