package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The launch of the wide-head attention kernel agrees with attention_wide.cu (no GPU needed). */
class WideAttentionLaunchTest {
  private static String source() throws IOException {
    return Files.readString(KernelSources.path("attention_wide.cu"), StandardCharsets.UTF_8);
  }

  @Test
  void blockShapeMatchesTheKernel() throws IOException {
    String cu = source();
    assertTrue(cu.contains("constexpr int WIDE_WARPS = " + AttentionKernels.WIDE_WARPS + ";"), "WIDE_WARPS");
    assertTrue(cu.contains("constexpr int WIDE_KEYS = " + AttentionKernels.WIDE_KEYS + ";"), "WIDE_KEYS");
    assertTrue(cu.contains("constexpr int WIDE_MAX_D = " + AttentionKernels.WIDE_MAX_D + ";"), "WIDE_MAX_D");
  }

  @Test
  void tileRowsSpreadOverAllBanks() {
    for (int d = 161; d <= AttentionKernels.WIDE_MAX_D; d++) {
      int pitch = AttentionKernels.widePitch(d);
      assertEquals(0, pitch % 2, "d=" + d);
      assertEquals(1, (pitch / 2) % 2, "d=" + d);
      assertTrue(pitch > d && pitch <= d + 5, "d=" + d + " pitch " + pitch);
    }
  }

  @Test
  void theVaesHeadFitsTheDefaultSharedMemory() {
    assertEquals(4 * 512 * 4 + 32 * 514 * 2, AttentionKernels.wideSharedBytes(512));
    assertTrue(AttentionKernels.wideSharedBytes(512) <= KernelModule.DEFAULT_SHARED_BYTES);
  }
}
