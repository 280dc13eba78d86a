package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The second sweep's rows from a first sweep's lines (no GPU needed). */
class TuneCombinationsTest {
  private static String line(String name, double speed, String diff) {
    return String.format("%-44s %-4d %-8.3f %-7.3f %-8.1f %-6.2f %-10s", name, 128, 0.3, 0.01, 400.0, speed, diff);
  }

  private static final List<String> FIRST = List.of(
      "cuda: NVIDIA H200",
      "kernel                                       d    ms       spread  TFLOP/s  speed  max diff",
      "table                                        128  0.398    0.010   345.0    1.00   -",
      line("sdj_tune_f16_d128_k128_s2_c2_w0_x0_f1", 1.0, "0.00e+00"),
      line("sdj_tune_f16_d128_k128_s2_c2_w128_x0_f1", 1.30, "0.00e+00"),
      line("sdj_tune_f16_d128_k128_s2_c2_w128_x0_f5", 1.35, "0.00e+00"),
      line("sdj_tune_f16_d128_k128_s2_c2_w128_x0_f3", 1.25, "0.00e+00"),
      line("sdj_tune_f16_d128_k128_s2_c2_w0_x0_f9", 1.20, "0.00e+00"),
      line("sdj_tune_f16_d128_k176_s2_c2_w128_x0_f1", 1.28, "0.00e+00"),
      line("sdj_tune_f16_d128_k128_s2_c2_w128_x0_f7", 1.60, "3.00e-01"),
      "sdj_tune_f16_d160_k256_s4_c3_w0_x0_f1        160  skipped: 300000 bytes of shared memory",
      "hung: sdj_tune_f16_d160_k128_s2_c2_w0_x0_f9 (over 20 s)",
      "resume-from: 12");

  @Test
  void flagsThatWonAloneCombine() {
    List<TuneCombinations.Measured> m = FIRST.stream().map(TuneCombinations.Measured::parse)
        .flatMap(java.util.Optional::stream).toList();
    assertEquals(7, m.size(), "timed tuning lines");
    // Flag 4 won (w128 f5 over f1), 8 won (f9 over f1), 2 lost (w128 f3 under f1); the unusable f7 counts for nothing.
    assertEquals(4 | 8, TuneCombinations.winningFlags(m.stream().filter(TuneCombinations.Measured::usable).toList()));
  }

  @Test
  void nextRowsStartFromTheFastestUsableKernel() {
    List<String> rows = TuneCombinations.next(FIRST).stream().map(TuneCombinations.Row::tuple).toList();
    assertEquals("128,128,2,2,128,0,13", rows.get(0), "the fastest with every flag that won: " + rows);
    assertTrue(rows.contains("128,128,2,2,128,0,15"), "and the query tile swizzled too: " + rows);
    assertTrue(rows.contains("128,128,2,2,128,0,21"), "the fastest with one flag switched: " + rows);
    assertTrue(rows.contains("128,176,2,2,128,0,5"), "its flags on the next fastest shape: " + rows);
    assertTrue(rows.contains("128,128,2,2,0,0,5"), "its flags with the next swizzle: " + rows);
    assertFalse(rows.contains("128,128,2,2,128,0,1"), "a row the first sweep had: " + rows);
    assertFalse(rows.contains("128,128,2,2,0,0,7"), "a swizzled query tile in chunked tiles: " + rows);
    assertTrue(rows.size() <= TuneCombinations.PER_HEAD, rows.toString());
    assertTrue(rows.stream().allMatch(r -> r.startsWith("128,")), "only head sizes with usable lines: " + rows);
  }

  /** A flag that only kernels which hung or failed had (clusters here) stays out of the second sweep. */
  @Test
  void flagsOfHungKernelsStayOut() {
    List<String> lines = List.of(
        line("sdj_tune_f16_d128_k128_s2_c2_w128_x0_f1", 1.30, "0.00e+00"),
        line("sdj_tune_f16_d128_k128_s2_c2_w0_x0_f1", 1.0, "0.00e+00"),
        "hung: sdj_tune_f16_d128_k128_s2_c2_w0_x0_f9 (over 10 s)",
        "failed: sdj_tune_f16_d128_k128_s2_c2_w128_x0_f17: CUDA_ERROR_LAUNCH_FAILED");
    List<TuneCombinations.Row> rows = TuneCombinations.next(lines);
    assertFalse(rows.isEmpty());
    assertTrue(rows.stream().noneMatch(r -> (r.flags() & (8 | 16)) != 0), rows.toString());
    assertEquals(new TuneCombinations.Row(128, 128, 2, 2, 0, 0, 9),
        TuneCombinations.failed("hung: sdj_tune_f16_d128_k128_s2_c2_w0_x0_f9 (over 10 s)").orElseThrow());
  }

  @Test
  void noUsableLinesNoRows() {
    assertTrue(TuneCombinations.next(List.of("failed: sdj_tune_f16_d48_k128_s3_c3_w0_x0_f1: launch")).isEmpty());
  }

  /** The validity the generator assumes is the template's: every row of the tuning image passes it. */
  @Test
  void everyRowOfTheImageIsValid() throws IOException {
    List<String> names = EmulatedAttentionTuneTest.attentionKernels();
    assertFalse(names.isEmpty());
    for (String n : names) {
      TuneCombinations.Row r = TuneCombinations.Row.of(n).orElseThrow();
      assertTrue(r.valid(), n);
      assertEquals(n, r.name());
    }
    assertFalse(new TuneCombinations.Row(64, 128, 3, 3, 0, 1, 1).valid(), "a column of ones at head size 64");
    assertFalse(new TuneCombinations.Row(128, 128, 2, 2, 0, 0, 2).valid(), "a swizzled query tile, chunked K and V");
    assertFalse(new TuneCombinations.Row(160, 80, 2, 2, 128, 0, 1).valid(), "128-byte blocks of 160 columns");
    assertFalse(new TuneCombinations.Row(160, 256, 4, 2, 0, 0, 1).valid(), "more shared memory than a block has");
    assertTrue(new TuneCombinations.Row(48, 64, 4, 2, 0, 1, 261).valid(), "two blocks per SM of 64-key tiles");
    assertFalse(new TuneCombinations.Row(48, 128, 2, 2, 0, 1, 261).valid(), "two blocks per SM, 128-key tiles");
    assertFalse(new TuneCombinations.Row(48, 64, 4, 3, 0, 0, 257).valid(), "two blocks of three consumers");
    assertTrue(new TuneCombinations.Row(48, 80, 4, 4, 0, 1, 5).valid(), "four consumers on 80-key tiles at 48");
    assertTrue(new TuneCombinations.Row(64, 64, 4, 4, 128, 0, 7).valid(), "four consumers on 64-key tiles at 64");
    assertFalse(new TuneCombinations.Row(80, 64, 4, 4, 32, 0, 3).valid(), "four consumers on 64-key tiles at 80 spill");
    assertFalse(new TuneCombinations.Row(64, 80, 3, 4, 128, 0, 7).valid(), "four consumers on 80-key tiles at 64");
    assertFalse(new TuneCombinations.Row(48, 96, 3, 4, 0, 1, 5).valid(), "four consumers on 96-key tiles spill");
    assertFalse(new TuneCombinations.Row(80, 80, 3, 4, 32, 0, 3).valid(), "four consumers on 80-key tiles at 80");
    assertFalse(new TuneCombinations.Row(128, 64, 3, 4, 128, 0, 3).valid(), "four consumers at 128");
    assertFalse(new TuneCombinations.Row(48, 64, 4, 4, 0, 1, 37).valid(), "four persistent consumers");
    assertFalse(new TuneCombinations.Row(48, 64, 4, 5, 0, 1, 5).valid(), "five consumers");
    assertFalse(new TuneCombinations.Row(64, 64, 4, 2, 0, 0, 257).valid(), "two blocks per SM at head size 64");
    assertFalse(new TuneCombinations.Row(48, 64, 4, 2, 0, 0, 289).valid(), "two persistent blocks per SM");
    for (String n : EmulatedAttentionTuneTest.diagnosticKernels()) {
      assertFalse(TuneCombinations.Row.of(n).orElseThrow().valid(), "a diagnostic is never combined: " + n);
    }
  }
}
