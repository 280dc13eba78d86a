package org.sdj.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The tuning kernels that a run's sweeps ({@link AttentionTune}'s lines, each speed over sdj's kernel in the same
 * JVM) found faster than sdj's table: per padded head size, the fastest usable one (within
 * {@link TuneCombinations#MAX_DIFF} of sdj's output) over {@link TuneCombinations#WIN} times as fast, where there is
 * one. scripts/gpu-check.sh puts them in place of the table's kernels ({@link TunedKernels}) for the GPU rule tests,
 * the attention benchmark and the UNet step of the same device session: {@code java ... org.sdj.cuda.TuneWinners
 * TUNE_TXT...} prints their names, one per line (nothing where none won).
 */
public final class TuneWinners {
  private TuneWinners() {}

  public static void main(String[] args) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String a : args) {
      Path p = Path.of(a);
      if (Files.exists(p)) {
        lines.addAll(Files.readAllLines(p));
      }
    }
    List<TuneCombinations.Row> winners = winners(lines);
    winners.forEach(r -> System.out.println(r.name()));
    // What adopting them takes (on standard error, which gpu-check keeps in the summary).
    winners.forEach(r -> System.err.println(tableRows(r)));
  }

  /**
   * A winner as rows of sdj's table: flash_attention_wgmma.cu's {@code SDJ_WGMMA} lines and WgmmaKernel.TABLE's
   * entries, in float16 and bfloat16 (packed float16 exponentials exist in float16 alone: bfloat16 keeps the column of
   * ones without them), one line per storage type.
   */
  static String tableRows(TuneCombinations.Row r) {
    StringBuilder b = new StringBuilder();
    for (String[] type : new String[][] {{"__half", "f16"}, {"__nv_bfloat16", "bf16"}}) {
      int softmax = type[1].equals("bf16") && r.softmax() == 2 ? 1 : r.softmax();
      String shape = r.dp() + ", " + r.keys() + ", " + r.stages() + ", " + r.consumers() + ", " + r.swizzle() + ", "
          + softmax + ", " + r.flags();
      b.append(String.format("SDJ_WGMMA(%s, %s, %s)   new Row(\"_%s\", %s)%n", type[0], type[1], shape, type[1],
          shape));
    }
    return b.toString().stripTrailing();
  }

  /** The winners of {@code lines} (those of one or more sweeps), by padded head size. */
  static List<TuneCombinations.Row> winners(List<String> lines) {
    Map<Integer, TuneCombinations.Measured> best = new TreeMap<>();
    lines.stream().map(TuneCombinations.Measured::parse).flatMap(Optional::stream)
        .filter(m -> m.usable() && m.speed() > TuneCombinations.WIN)
        .forEach(m -> best.merge(m.row().dp(), m,
            (a, b) -> Comparator.comparingDouble(TuneCombinations.Measured::speed).compare(a, b) >= 0 ? a : b));
    return best.values().stream().map(TuneCombinations.Measured::row).toList();
  }
}
