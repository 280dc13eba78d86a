package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The launch of flash_attention.cu's kernels (no GPU needed): the rows per block and the dynamic shared memory that
 * {@link Kernels} passes must be what the kernel table {@code SDJ_FLASH_ALL} in the source declares, and ptxas's
 * report must show static shared memory exactly where the Java side passes none.
 */
class FlashAttentionLaunchTest {
  private static final Path SOURCE = KernelSources.path("flash_attention.cu");
  private static final Pattern ROW =
      Pattern.compile("SDJ_FLASH\\(T, S, (\\d+), (\\d+), (\\d+), (true|false), (\\w+)\\)");
  private static final Pattern ENTRY = Pattern.compile("Compiling entry function '(\\w+)' for '(\\w+)'");
  private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");

  record Config(int dp, int bc, int mt, boolean qs) {
    /** smem_bytes in the source. */
    int sharedBytes() {
      return AttentionKernels.flashTileBytes(dp, bc, mt, qs);
    }
  }

  static List<Config> table() throws IOException {
    List<Config> out = new ArrayList<>();
    for (String line : Files.readAllLines(SOURCE)) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        out.add(new Config(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
            Boolean.parseBoolean(m.group(4))));
      }
    }
    return out;
  }

  @Test
  void javaLaunchMatchesTheKernelTable() throws IOException {
    List<Config> table = table();
    assertEquals(8, table.size(), "rows of SDJ_FLASH_ALL in " + SOURCE);
    for (Config c : table) {
      assertEquals(c.dp(), AttentionKernels.flashDim(c.dp()), "padded head size " + c.dp());
      assertEquals(64 * c.mt(), AttentionKernels.flashRows(c.dp()), "rows per block at " + c);
      int bytes = c.sharedBytes();
      assertEquals(bytes > KernelModule.DEFAULT_SHARED_BYTES ? bytes : 0, AttentionKernels.flashSharedBytes(c.dp()),
          "dynamic shared memory at " + c);
    }
  }

  @Test
  void ptxasShowsStaticSharedMemoryWhereJavaPassesNone() throws IOException {
    Path report = Path.of(System.getProperty("sdj.cuda.ptxasReport", "target/cuda/ptxas-report.txt"));
    Assumptions.assumeTrue(Files.isRegularFile(report),
        () -> "no ptxas report at " + report + ": sd-cuda was built without nvcc (profile cuda-kernels)");
    Map<String, Integer> staticBytes = new HashMap<>();
    String kernel = null;
    for (String line : Files.readAllLines(report)) {
      Matcher e = ENTRY.matcher(line);
      if (e.find()) {
        kernel = e.group(1) + " " + e.group(2);
        continue;
      }
      if (kernel != null && line.contains("Used ")) {
        Matcher s = SMEM.matcher(line);
        staticBytes.put(kernel, s.find() ? Integer.parseInt(s.group(1)) : 0);
        kernel = null;
      }
    }
    int seen = 0;
    for (Config c : table()) {
      int expected = AttentionKernels.flashSharedBytes(c.dp()) > 0 ? 0 : c.sharedBytes();
      for (Map.Entry<String, Integer> x : staticBytes.entrySet()) {
        if (x.getKey().matches("sdj_flash_attention_(f16|bf16)_d" + c.dp() + " .*")) {
          assertEquals(expected, x.getValue(), x.getKey() + " static shared memory");
          seen++;
        }
      }
    }
    assertEquals(8 * 2 * 4, seen, "kernel entries in " + report);
  }
}
