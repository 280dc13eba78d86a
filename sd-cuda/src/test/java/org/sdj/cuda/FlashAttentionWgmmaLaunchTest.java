package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The launch of flash_attention_wgmma.cu's kernels (no GPU needed): {@link WgmmaKernel#TABLE} must be the source's
 * table (its {@code SDJ_WGMMA} rows, in order), the launch's rows and threads per block and dynamic shared memory what
 * the template takes ({@code ws_smem_bytes}, the option bit), each head size on the smallest kernel that fits it; and
 * ptxas's report must show the kernels built for sm_90a alone, with no static shared memory (the Java side passes all
 * of it as dynamic) and their wgmma asynchronous.
 */
class FlashAttentionWgmmaLaunchTest {
  private static final Path SOURCE = KernelSources.path("flash_attention_wgmma.cu");
  private static final Path BLOCKS = KernelSources.path("wgmma_attention.cuh");
  /** A row of the table: type, its suffix, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS. */
  private static final Pattern ROW = Pattern.compile(
      "^SDJ_WGMMA\\((__half|__nv_bfloat16), (f16|bf16), (\\d+), (\\d+), (\\d+), (\\d+), (\\d+), (\\d+), (\\d+)\\)");
  private static final Pattern ENTRY =
      Pattern.compile("Compiling entry function '(sdj_flash_attention_wgmma_\\w+)' for '(\\w+)'");
  /** The most dynamic shared memory a block may opt into on sm_90 (227 KiB). */
  private static final int SM90_MAX_SHARED = 227 * 1024;

  /** The source's table as {@link WgmmaKernel.Row}s. */
  static List<WgmmaKernel.Row> table() throws IOException {
    List<WgmmaKernel.Row> out = new ArrayList<>();
    for (String line : Files.readAllLines(SOURCE)) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        assertEquals(m.group(1).equals("__half") ? "f16" : "bf16", m.group(2), line);
        int[] v = new int[7];
        for (int i = 0; i < 7; i++) {
          v[i] = Integer.parseInt(m.group(3 + i));
        }
        out.add(new WgmmaKernel.Row("_" + m.group(2), v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
      }
    }
    return out;
  }

  /** A constant of the kernel source or of its building blocks (wgmma_attention.cuh). */
  private static int constant(String name) throws IOException {
    Pattern p = Pattern.compile("constexpr int " + name + " = (\\d+);");
    for (Path source : List.of(SOURCE, BLOCKS)) {
      Matcher m = p.matcher(Files.readString(source));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    return fail(name + " in neither " + SOURCE + " nor " + BLOCKS);
  }

  /** ptxas's report of the kernel build; the calling test is skipped where sd-cuda was built without nvcc. */
  private static Path ptxasReport() {
    Path report = Path.of(System.getProperty("sdj.cuda.ptxasReport", "target/cuda/ptxas-report.txt"));
    Assumptions.assumeTrue(Files.isRegularFile(report),
        () -> "no ptxas report at " + report + ": sd-cuda was built without nvcc (profile cuda-kernels)");
    return report;
  }

  @Test
  void javaLaunchMatchesTheKernelTable() throws IOException {
    assertEquals(table(), WgmmaKernel.TABLE, "WgmmaKernel.TABLE against " + SOURCE);
    assertEquals(constant("OPTION_TMA"), AttentionKernels.WGMMA_TMA, "option bit: tensor maps of K and V");
    for (WgmmaKernel.Row r : WgmmaKernel.TABLE) {
      WgmmaKernel k = r.kernel();
      assertEquals(r.dp(), AttentionKernels.flashDim(r.dp()), "a padded head size of the mma.sync kernel too: " + r);
      assertEquals(64 * r.consumers(), k.shape().rows(), "rows per block at " + r);
      assertEquals(128 * (1 + r.consumers()), k.shape().threads(), "threads at " + r);
      int bytes = (64 * r.consumers() + 2 * r.stages() * r.keys()) * r.dp() * 2 + (1 + 4 * r.stages()) * 8
          + (r.swizzle() > 0 ? 1024 : 0);
      assertEquals(bytes, k.sharedBytes(), "ws_smem_bytes at " + r);
      assertTrue(bytes <= SM90_MAX_SHARED, r + " needs more shared memory than sm_90 has");
      assertTrue(r.swizzle() == 0 || r.dp() % (r.swizzle() / 2) == 0, "swizzled column blocks that divide " + r);
      assertTrue(r.softmax() != 2 || r.suffix().equals("_f16"), "packed float16 exponentials in float16 alone: " + r);
    }
    for (String suffix : List.of("_f16", "_bf16")) {
      for (int d = 1; d <= 161; d++) {
        int dp = AttentionKernels.flashDim(d);
        Optional<WgmmaKernel> k = WgmmaKernel.forHead(suffix, d);
        boolean row = WgmmaKernel.TABLE.stream().anyMatch(r -> r.suffix().equals(suffix) && r.dp() == dp);
        assertEquals(row, k.isPresent(), "a wgmma kernel for head size " + d + " (padded " + dp + ")");
        if (row) {
          assertTrue(k.get().fits(d) && k.get().dp() >= dp, k.get().name() + " for head size " + d);
          for (WgmmaKernel.Row r : WgmmaKernel.TABLE) {
            if (r.suffix().equals(suffix) && r.dp() >= dp && r.kernel().fits(d)) {
              assertTrue(r.dp() >= k.get().dp(), "the smallest that fits " + d + ": not " + k.get().name());
            }
          }
        }
      }
      for (int d : new int[] {16, 32, 96, 161}) {
        assertTrue(WgmmaKernel.forHead(suffix, d).isEmpty(), "head size " + d + " stays on the mma.sync kernel");
      }
      assertEquals(48, WgmmaKernel.forHead(suffix, 40).orElseThrow().dp());
    }
  }

  /** A kernel with a column of ones leaves head sizes within 8 of its padded size to the next kernel. */
  @Test
  void onesFitSizesWithASpareChunk() {
    WgmmaKernel ones = new WgmmaKernel("k", 48, new WgmmaKernel.Shape(128, 3, 3), 0, true, 1, false);
    assertTrue(ones.fits(40) && !ones.fits(41) && !ones.fits(0));
    WgmmaKernel sums = new WgmmaKernel("k", 48, new WgmmaKernel.Shape(128, 3, 3), 0, false, 1, false);
    assertTrue(sums.fits(48) && !sums.fits(49));
  }

  @Test
  void builtForSm90aAloneWithoutStaticSharedMemory() throws IOException {
    Path report = ptxasReport();
    List<String> lines = Files.readAllLines(report);
    int seen = 0;
    Set<String> names = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher e = ENTRY.matcher(lines.get(i));
      if (!e.find()) {
        continue;
      }
      names.add(e.group(1));
      assertEquals("sm_90a", e.group(2), e.group(1) + " target");
      for (int j = i + 1; j < lines.size(); j++) {
        if (lines.get(j).contains("Used ")) {
          assertTrue(!lines.get(j).contains("smem"), e.group(1) + " declares static shared memory: " + lines.get(j));
          break;
        }
      }
      seen++;
    }
    for (WgmmaKernel.Row r : WgmmaKernel.TABLE) {
      assertTrue(names.contains(r.kernel().name()), "the kernel AttentionKernels launches for " + r);
    }
    assertEquals(WgmmaKernel.TABLE.size(), seen, "wgmma kernel entries in " + report);
  }

  /**
   * ptxas keeps the kernels' wgmma asynchronous: where it cannot keep a batch's registers in flight (too few registers,
   * a pipeline across a call or a divergent path) it serializes them and says so ("(C75xx) ... wgmma.mma_async
   * instructions are serialized due to ..."), a silent loss of what the Hopper kernel is for.
   */
  @Test
  void ptxasDoesNotSerializeTheWgmma() throws IOException {
    Path report = ptxasReport();
    for (String line : Files.readAllLines(report)) {
      assertTrue(!line.contains("wgmma.mma_async instructions are serialized"), report + ": " + line);
    }
  }
}
