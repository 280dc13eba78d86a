package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Reads ptxas's resource report saved by the kernel build ({@code -Xptxas -v}): the attention kernels must not spill
 * registers to local memory on any target (a spill in the inner loop costs more than the tensor cores save).
 */
class PtxasReportTest {
  private static final Pattern ENTRY = Pattern.compile("Compiling entry function '(\\w+)' for '(\\w+)'");
  private static final Pattern SPILL = Pattern.compile("(\\d+) bytes spill stores, (\\d+) bytes spill loads");

  record Entry(String kernel, String target, int spillStores, int spillLoads) {}

  static List<Entry> parse(List<String> lines) {
    List<Entry> out = new ArrayList<>();
    String kernel = null;
    String target = null;
    for (String line : lines) {
      Matcher e = ENTRY.matcher(line);
      if (e.find()) {
        kernel = e.group(1);
        target = e.group(2);
        continue;
      }
      Matcher s = SPILL.matcher(line);
      if (s.find() && kernel != null) {
        out.add(new Entry(kernel, target, Integer.parseInt(s.group(1)), Integer.parseInt(s.group(2))));
        kernel = null;
      }
    }
    return out;
  }

  @Test
  void parsesThePtxasFormat() {
    List<Entry> e = parse(List.of(
        "ptxas info    : Compiling entry function 'sdj_flash_attention_f16_d64' for 'sm_90'",
        "ptxas info    : Function properties for sdj_flash_attention_f16_d64",
        "    0 bytes stack frame, 8 bytes spill stores, 4 bytes spill loads"));
    assertEquals(List.of(new Entry("sdj_flash_attention_f16_d64", "sm_90", 8, 4)), e);
  }

  @Test
  void attentionKernelsDoNotSpill() throws IOException {
    Path report = Path.of(System.getProperty("sdj.cuda.ptxasReport", "target/cuda/ptxas-report.txt"));
    Assumptions.assumeTrue(Files.isRegularFile(report),
        () -> "no ptxas report at " + report + ": sd-cuda was built without nvcc (profile cuda-kernels)");
    List<Entry> attention = parse(Files.readAllLines(report)).stream()
        .filter(x -> x.kernel().contains("attention")).toList();
    // 8 padded head sizes x 2 types of the tensor-core kernel plus 2 CUDA-core ones, on 4 targets each; the wgmma
    // kernel's table, on sm_90a alone.
    assertEquals((8 * 2 + 2) * 4 + WgmmaKernel.TABLE.size(), attention.size(),
        "attention entries in " + report);
    for (Entry x : attention) {
      assertTrue(x.spillStores() == 0 && x.spillLoads() == 0, x + " spills registers");
    }
  }
}
