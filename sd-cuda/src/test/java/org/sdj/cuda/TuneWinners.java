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
    winners(lines).forEach(r -> System.out.println(r.name()));
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
