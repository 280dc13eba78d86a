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
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The launch of flash_attention_wgmma.cu's kernels (no GPU needed): the head sizes, keys per tile, stages, consumer
 * warpgroups, rows and threads per block and dynamic shared memory that {@link AttentionKernels} uses must be what the
 * source declares (the kernel table {@code SDJ_WGMMA_ALL}, {@code ws_smem_bytes}, the option bit), and ptxas's report
 * must show the kernels built for sm_90a alone, with no static shared memory (the Java side passes all of it as
 * dynamic).
 */
class FlashAttentionWgmmaLaunchTest {
  private static final Path SOURCE = KernelSources.path("flash_attention_wgmma.cu");
  private static final Path BLOCKS = KernelSources.path("wgmma_attention.cuh");
  private static final Pattern ROW = Pattern.compile("SDJ_WGMMA\\(T, S, (\\d+), (\\d+), (\\d+), (\\d+)\\)");
  /** A row of the ones and f16exp images. */
  private static final Pattern SUMS_ROW = Pattern.compile("^SDJ_WGMMA_SUMS\\((\\d+), (\\d+), (\\d+), (\\d+)\\)");
  /** A row of the swizzled 192-row images. */
  private static final Pattern SW192_ROW =
      Pattern.compile("SDJ_WGMMA_SW192\\(T, S, (\\d+), (\\d+), (\\d+), (\\d+)\\)");
  private static final Pattern ENTRY =
      Pattern.compile("Compiling entry function '(sdj_flash_attention_wgmma_\\w+)' for '(\\w+)'");
  /** The most dynamic shared memory a block may opt into on sm_90 (227 KiB). */
  private static final int SM90_MAX_SHARED = 227 * 1024;

  /** A row of the kernel table. */
  record Config(int dp, int bc, int stages, int consumers) {
    /**
     * ws_smem_bytes in the source: the query tile (64 rows per consumer), the K and V stages, the mbarriers, and 1024
     * bytes to align swizzled stages.
     */
    int sharedBytes(WgmmaImage image) {
      return (64 * consumers + 2 * stages * bc) * dp * 2 + (1 + 4 * stages) * 8 + (image.swizzled() ? 1024 : 0);
    }

    /** Whether {@link AttentionKernels#wgmmaShape} gives this row's shape for {@code image}, and its launch. */
    void assertLaunch(WgmmaImage image) {
      AttentionKernels.WgmmaShape shape = AttentionKernels.wgmmaShape(dp, image);
      assertEquals(new AttentionKernels.WgmmaShape(bc, stages, consumers), shape, image + " at " + this);
      assertEquals(64 * consumers, shape.rows(), "rows per block at " + this);
      assertEquals(128 * (1 + consumers), shape.threads(), "threads at " + this);
      assertEquals(sharedBytes(image), AttentionKernels.wgmmaSharedBytes(dp, image), image + " shared memory, " + this);
      assertTrue(sharedBytes(image) <= SM90_MAX_SHARED, this + " needs more shared memory than sm_90 has");
    }
  }

  static List<Config> table() throws IOException {
    return rows(ROW);
  }

  private static List<Config> rows(Pattern row) throws IOException {
    List<Config> out = new ArrayList<>();
    for (String line : Files.readAllLines(SOURCE)) {
      Matcher m = row.matcher(line);
      if (m.find()) {
        out.add(new Config(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
            Integer.parseInt(m.group(4))));
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
    List<Config> table = table();
    assertEquals(List.of(48, 64, 80, 128, 160), table.stream().map(Config::dp).toList(), "rows of " + SOURCE);
    assertEquals(constant("OPTION_TMA"), AttentionKernels.WGMMA_TMA, "option bit: tensor maps of K and V");
    for (Config c : table) {
      assertEquals(c.dp(), AttentionKernels.flashDim(c.dp()), "a padded head size of the mma.sync kernel too: " + c);
      assertTrue(AttentionKernels.wgmmaDim(c.dp()), "head size " + c.dp());
      c.assertLaunch(WgmmaImage.CHUNKED);
      c.assertLaunch(WgmmaImage.SWIZZLED);
      int w = AttentionKernels.wgmmaSwizzleBytes(c.dp());
      assertEquals(0, c.dp() % (w / 2), "swizzled column blocks of " + w / 2 + " at " + c);
      assertTrue(w == 128 || c.dp() % 64 != 0 && (w == 64 || c.dp() % 32 != 0 && w == 32),
          "the widest swizzle whose blocks divide " + c.dp() + ": not " + w);
    }
    for (int dp : new int[] {16, 32, 96}) {
      assertTrue(!AttentionKernels.wgmmaDim(dp), "no wgmma kernel at " + dp + ": those stay on mma.sync");
    }
    List<Config> sums = rows(SUMS_ROW);
    assertEquals(List.of(48), sums.stream().map(Config::dp).toList(), "SDJ_WGMMA_SUMS rows of " + SOURCE);
    for (Config c : sums) {
      assertTrue(table().contains(c), "ones and f16exp images with their row's shape: " + c);
      assertTrue(WgmmaImage.sumsDim(c.dp()), "ones and f16exp images at " + c.dp());
      for (WgmmaImage image : List.of(WgmmaImage.ONES, WgmmaImage.F16EXP)) {
        c.assertLaunch(image);
        assertTrue(image.applies("_f16", c.dp(), c.dp() - 8) && !image.applies("_f16", c.dp(), c.dp() - 7),
            image + " wants a spare chunk at " + c);
      }
    }
    assertTrue(WgmmaImage.ONES.applies("_bf16", 48, 40) && !WgmmaImage.F16EXP.applies("_bf16", 48, 40));
    for (int dp : new int[] {64, 80, 128, 160}) {
      assertTrue(!WgmmaImage.sumsDim(dp), "no ones or f16exp image at " + dp);
    }
    List<Config> sw192 = rows(SW192_ROW);
    assertEquals(List.of(80, 128, 160), sw192.stream().map(Config::dp).toList(), "SDJ_WGMMA_SW192 rows of " + SOURCE);
    for (Config c : sw192) {
      c.assertLaunch(WgmmaImage.SWIZZLED192);
      assertTrue(WgmmaImage.SWIZZLED192.applies("_f16", c.dp(), c.dp()), "192-row images at " + c.dp());
    }
    assertTrue(!WgmmaImage.SWIZZLED192.applies("_f16", 64, 64), "no 192-row image at 64: its default has 192");
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
    for (Config c : table()) {
      for (String suffix : List.of("_f16", "_bf16")) {
        for (var image : List.of(WgmmaImage.CHUNKED, WgmmaImage.SWIZZLED)) {
          String name = AttentionKernels.wgmmaKernel(suffix, c.dp(), image);
          assertTrue(names.contains(name), "the image AttentionKernels launches for " + c + ": " + name);
        }
      }
    }
    for (Config c : rows(SW192_ROW)) {
      for (String suffix : List.of("_f16", "_bf16")) {
        String name = AttentionKernels.wgmmaKernel(suffix, c.dp(), WgmmaImage.SWIZZLED192);
        assertTrue(names.contains(name), "a 192-row image of " + c + ": " + name);
      }
    }
    for (Config c : rows(SUMS_ROW)) {
      for (String name : List.of(AttentionKernels.wgmmaKernel("_f16", c.dp(), WgmmaImage.ONES),
          AttentionKernels.wgmmaKernel("_bf16", c.dp(), WgmmaImage.ONES),
          AttentionKernels.wgmmaKernel("_f16", c.dp(), WgmmaImage.F16EXP))) {
        assertTrue(names.contains(name), "an image of " + c + ": " + name);
      }
    }
    assertEquals(table().size() * 4 + rows(SUMS_ROW).size() * 3 + rows(SW192_ROW).size() * 2, seen,
        "wgmma kernel entries (f16 and bf16, chunked and swizzled; ones, f16exp; swizzled 192-row) in " + report);
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
