package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernels a run's sweeps found faster than sdj's table (no GPU needed). */
class TuneWinnersTest {
  private static String line(String name, int d, double speed, String diff) {
    return String.format("%-44s %-4d %-8.3f %-7.3f %-8.1f %-6.2f %-10s", name, d, 0.3, 0.01, 400.0, speed, diff);
  }

  @Test
  void fastestUsableKernelPerHeadSizeOverTheTable() {
    List<String> first = List.of(
        "table                                        40   0.153    0.010   345.0    1.00   -",
        line("sdj_tune_f16_d48_k128_s3_c3_w0_x0_f1", 40, 1.0, "0.00e+00"),
        line("sdj_tune_f16_d48_k128_s3_c3_w0_x2_f1", 40, 1.12, "2.00e-03"),
        line("sdj_tune_f16_d48_k64_s4_c3_w0_x0_f1", 40, 1.30, "5.00e-02"),  // fast, but wrong
        line("sdj_tune_f16_d128_k128_s2_c2_w128_x0_f1", 128, 1.30, "0.00e+00"),
        line("sdj_tune_f16_d160_k128_s2_c2_w64_x0_f1", 160, 1.005, "0.00e+00"),  // within noise of the table
        line("sdj_tune_f16_d80_k128_s2_c2_w32_x0_f1", 80, 0.90, "0.00e+00"),
        line("sdj_tune_f16_d80_k128_s2_c2_w32_x0_f65", 80, 2.50, "NaN"),  // copies alone: not attention
        "hung: sdj_tune_f16_d128_k128_s2_c2_w0_x0_f9 (over 10 s)");
    List<String> second = List.of(
        line("sdj_tune_f16_d128_k176_s2_c2_w128_x0_f5", 128, 1.41, "0.00e+00"),
        line("sdj_tune_f16_d48_k128_s3_c3_w0_x2_f5", 40, 1.08, "0.00e+00"));
    List<String> names = TuneWinners.winners(concat(first, second)).stream().map(TuneCombinations.Row::name).toList();
    assertEquals(List.of("sdj_tune_f16_d48_k128_s3_c3_w0_x2_f1", "sdj_tune_f16_d128_k176_s2_c2_w128_x0_f5"), names);
    names.forEach(n -> assertEquals(n, WgmmaKernel.Row.ofTuning(n).tuningName(), "names round-trip"));
  }

  @Test
  void winnersAsTableRows() {
    TuneCombinations.Row ones = TuneCombinations.Row.of("sdj_tune_f16_d48_k128_s3_c3_w0_x2_f33").orElseThrow();
    assertEquals(List.of("SDJ_WGMMA(__half, f16, 48, 128, 3, 3, 0, 2, 33)   new Row(\"_f16\", 48, 128, 3, 3, 0, 2, 33)",
        "SDJ_WGMMA(__nv_bfloat16, bf16, 48, 128, 3, 3, 0, 1, 33)   new Row(\"_bf16\", 48, 128, 3, 3, 0, 1, 33)"),
        TuneWinners.tableRows(ones).lines().toList());
  }

  @Test
  void noneWhereNothingBeatTheTable() {
    assertEquals(List.of(), TuneWinners.winners(List.of(
        line("sdj_tune_f16_d128_k128_s2_c2_w0_x0_f1", 128, 1.0, "0.00e+00"), "resume-from: 3")));
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
