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
 * The launch of flash_attention_wgmma.cu's kernels (no GPU needed): the head sizes, keys per tile, rows and threads per
 * block and dynamic shared memory that {@link AttentionKernels} uses must be what the source declares (the kernel
 * tables {@code SDJ_WGMMA_ALL} and {@code SDJ_WGMMA_PIPELINED_ALL}, {@code BR}, {@code THREADS}, {@code smem_bytes},
 * the option bit and head sizes of the FMA exponentials),
 * and ptxas's report must show the kernels
 * built for sm_90a alone, with no static shared memory (the Java side passes all of it as dynamic).
 */
class FlashAttentionWgmmaLaunchTest {
  private static final Path SOURCE = KernelSources.path("flash_attention_wgmma.cu");
  private static final Path BLOCKS = KernelSources.path("wgmma_attention.cuh");
  private static final Pattern ROW =
      Pattern.compile("SDJ_WGMMA(_PIPELINED|_SPECIALIZED|_SPECIALIZED_C3)?\\(T, S, (\\d+), (\\d+), (\\d+)\\)");
  private static final List<CudaOptions.Attention> KERNELS = List.of(CudaOptions.Attention.WGMMA,
      CudaOptions.Attention.WGMMA_PIPELINED, CudaOptions.Attention.WGMMA_SPECIALIZED);
  private static final Pattern ENTRY =
      Pattern.compile("Compiling entry function '(sdj_flash_attention_wgmma_\\w+)' for '(\\w+)'");
  /** The most dynamic shared memory a block may opt into on sm_90 (227 KiB). */
  private static final int SM90_MAX_SHARED = 227 * 1024;

  /**
   * A row of one of the kernel tables; {@code last} is blocks per SM or (warp-specialized) stages, {@code consumers}
   * the warp-specialized kernels' consumer warpgroups (0 for the others).
   */
  record Config(CudaOptions.Attention kernel, int dp, int bc, int last, int consumers) {
    boolean specialized() {
      return kernel == CudaOptions.Attention.WGMMA_SPECIALIZED;
    }

    int stages() {
      return specialized() ? last : 2;
    }

    /** Query rows per block: 128 ({@code BR}), or 64 per consumer. */
    int rows() {
      return specialized() ? 64 * consumers : 128;
    }

    /** AttentionKernels' options that pick this row's image. */
    int options() {
      return consumers == 3 ? AttentionKernels.WGMMA_THREE_CONSUMERS : 0;
    }

    /** smem_bytes (ws_smem_bytes) in the source: the query tile, the K and V stages (and the mbarriers). */
    int sharedBytes() {
      return (rows() + 2 * stages() * bc) * dp * 2 + (specialized() ? (1 + 4 * stages()) * 8 : 0);
    }
  }

  static List<Config> table() throws IOException {
    List<Config> out = new ArrayList<>();
    for (String line : Files.readAllLines(SOURCE)) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        CudaOptions.Attention kernel = m.group(1) == null ? CudaOptions.Attention.WGMMA
            : m.group(1).equals("_PIPELINED") ? CudaOptions.Attention.WGMMA_PIPELINED
            : CudaOptions.Attention.WGMMA_SPECIALIZED;
        int consumers = m.group(1) == null || m.group(1).equals("_PIPELINED") ? 0
            : m.group(1).equals("_SPECIALIZED_C3") ? 3 : 2;
        out.add(new Config(kernel, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
            Integer.parseInt(m.group(4)), consumers));
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
    for (CudaOptions.Attention kernel : KERNELS) {
      assertEquals(List.of(48, 64, 80, 128, 160),
          table.stream().filter(c -> c.kernel() == kernel && c.consumers() < 3).map(Config::dp).toList(),
          "rows of " + kernel + "'s table in " + SOURCE);
    }
    assertEquals(List.of(48, 64), table.stream().filter(c -> c.consumers() == 3).map(Config::dp).toList(),
        "three-consumer rows");
    assertEquals(constant("BR"), AttentionKernels.WGMMA_ROWS, "rows per block");
    assertEquals(constant("THREADS"), AttentionKernels.WGMMA_THREADS, "threads per block");
    assertEquals(constant("OPTION_SFU_ONLY"), AttentionKernels.WGMMA_SFU_ONLY, "option bit: every ex2 on the SFU");
    assertEquals(constant("POLY_MAX_DP"), AttentionKernels.WGMMA_FMA_EXP_MAX_DP, "head sizes with FMA exponentials");
    for (Config c : table.stream().filter(Config::specialized).toList()) {
      assertEquals(c.consumers(), AttentionKernels.wgmmaConsumers(c.dp(), c.kernel(), c.options()), "consumers: " + c);
      assertEquals(c.rows(), AttentionKernels.wgmmaRows(c.dp(), c.kernel(), c.options()), "rows per block at " + c);
      assertEquals(128 * (1 + c.consumers()), AttentionKernels.wgmmaThreads(c.dp(), c.kernel(), c.options()),
          "threads at " + c);
      assertTrue(c.dp() <= AttentionKernels.WGMMA_THREE_CONSUMERS_MAX_DP || c.consumers() == 2, "images at " + c);
      Config pingpong = new Config(CudaOptions.Attention.WGMMA_PINGPONG, c.dp(), c.bc(), c.last(), c.consumers());
      assertEquals(c.bc(), AttentionKernels.wgmmaKeys(c.dp(), pingpong.kernel()), "ping-pong's keys per tile: " + c);
      assertEquals(c.sharedBytes(), AttentionKernels.wgmmaSharedBytes(c.dp(), pingpong.kernel(), c.options()),
          "ping-pong's shared memory (SDJ_WGMMA_SPECIALIZED makes both): " + c);
    }
    for (Config c : table) {
      assertEquals(c.specialized(), c.consumers() > 0, "consumers only in the warp-specialized table: " + c);
      if (!c.specialized()) {
        assertEquals(AttentionKernels.WGMMA_ROWS, AttentionKernels.wgmmaRows(c.dp(), c.kernel(), 0), "rows at " + c);
        assertEquals(AttentionKernels.WGMMA_THREADS, AttentionKernels.wgmmaThreads(c.dp(), c.kernel(), 0), "at " + c);
      }
      assertEquals(c.dp(), AttentionKernels.flashDim(c.dp()), "a padded head size of the mma.sync kernel too: " + c);
      assertTrue(AttentionKernels.wgmmaDim(c.dp()), "head size " + c.dp());
      assertEquals(c.bc(), AttentionKernels.wgmmaKeys(c.dp(), c.kernel()), "keys per tile at " + c);
      assertTrue(c.specialized() || c.options() == 0, c.toString());
      assertEquals(c.stages(), AttentionKernels.wgmmaStages(c.dp(), c.kernel()), "stages at " + c);
      assertEquals(c.sharedBytes(), AttentionKernels.wgmmaSharedBytes(c.dp(), c.kernel(), c.options()),
          "dynamic shared memory at " + c);
      assertTrue(c.sharedBytes() <= SM90_MAX_SHARED, c + " needs more shared memory than sm_90 has");
    }
    for (int dp : new int[] {16, 32, 96}) {
      assertTrue(!AttentionKernels.wgmmaDim(dp), "no wgmma kernel at " + dp + ": those stay on mma.sync");
    }
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
        String name = AttentionKernels.wgmmaKernel(suffix, c.kernel(), c.dp(), c.options());
        assertTrue(names.contains(name), "the image AttentionKernels launches for " + c + ": " + name);
        if (c.specialized()) {
          String pingpong = AttentionKernels.wgmmaKernel(suffix, CudaOptions.Attention.WGMMA_PINGPONG, c.dp(),
              c.options());
          assertTrue(names.contains(pingpong), pingpong);
        }
      }
    }
    long specialized = table().stream().filter(Config::specialized).count();
    assertEquals((table().size() + specialized) * 2, seen,
        "wgmma kernel entries (f16 and bf16; the specialized rows make two kernels each) in " + report);
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
