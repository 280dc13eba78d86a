package org.sdj.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The rows of a second tuning sweep, from the lines of a first ({@link AttentionTune}'s output): per head size, what
 * the first measured combined. The fastest kernel (within 1e-2 of sdj's output) with each flag switched; with every
 * flag that won alone (a measured pair of kernels alike but for that flag, the one with it over 1% faster) added at
 * once; its swizzle, softmax and flags on the other fastest kernels' keys, stages and consumers; and its shape with
 * the fastest swizzle. Rows the first sweep had, rows the template refuses to compile, rows whose shared memory a
 * block cannot have, and rows with a flag that only kernels which hung or failed had are left out; at most
 * {@link #PER_HEAD} per head size. scripts/gpu-check.sh runs it between the two
 * sweeps of one device session ({@code SDJ_TUNE_ROWS=auto}), so that the second needs no rebuild here:
 * {@code java ... org.sdj.cuda.TuneCombinations TUNE_TXT} prints the rows as build-tune.sh takes them (empty where the
 * first sweep has no usable line).
 */
public final class TuneCombinations {
  private TuneCombinations() {}

  /** The most rows per head size. */
  static final int PER_HEAD = 12;
  /** The flags of wgmma_kernel.cuh's template, one bit each. */
  static final int[] FLAG_BITS = {1, 2, 4, 8, 16, 32, 256, 512, 1024, 2048, 4096};
  private static final int FLAG_SWIZZLED_Q = 2;
  private static final int FLAG_TWO_BLOCKS = 256;
  private static final int FLAG_OVERLAP = 512;
  private static final int FLAG_QUERY_REGISTERS = 1024;
  private static final int FLAG_LAZY_RESCALE = 2048;
  private static final int FLAG_POLY_EXP = 4096;
  /** How much faster (over 1) a kernel with a flag must be than its twin without for the flag to count as a win. */
  static final double WIN = 1.01;
  /** The largest difference from sdj's output a usable kernel may have. */
  static final double MAX_DIFF = 1e-2;

  /** A tuning row: attention_tune.cu's SDJ_TUNE(DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS). */
  record Row(int dp, int keys, int stages, int consumers, int swizzle, int softmax, int flags) {
    /** The row a float16 tuning kernel's name says. */
    static Optional<Row> of(String name) {
      if (!WgmmaKernel.TUNING_NAME.matcher(name).matches()) {
        return Optional.empty();
      }
      WgmmaKernel.Row r = WgmmaKernel.Row.ofTuning(name);
      return r.suffix().equals("_f16") ? Optional.of(new Row(r.dp(), r.keys(), r.stages(), r.consumers(),
          r.swizzle(), r.softmax(), r.flags())) : Optional.empty();
    }

    /** This row as the table's and the tuning image's rows are, in float16. */
    WgmmaKernel.Row f16() {
      return new WgmmaKernel.Row("_f16", dp, keys, stages, consumers, swizzle, softmax, flags);
    }

    /** Its kernel's name in the tuning image. */
    String name() {
      return f16().tuningName();
    }

    /** As build-tune.sh's SDJ_TUNE_ROWS takes it. */
    String tuple() {
      return dp + "," + keys + "," + stages + "," + consumers + "," + swizzle + "," + softmax + "," + flags;
    }

    Row withFlags(int f) {
      return new Row(dp, keys, stages, consumers, swizzle, softmax, f);
    }

    Row withShape(Row other) {
      return new Row(dp, other.keys, other.stages, other.consumers, swizzle, softmax, flags);
    }

    Row withSwizzle(int w) {
      return new Row(dp, keys, stages, consumers, w, softmax, w == 0 ? flags & ~FLAG_SWIZZLED_Q : flags);
    }

    /**
     * Whether the template compiles it (wgmma_kernel.cuh's static_asserts) and AttentionTune can time it: tile sizes
     * in 16s, two or three consumers (four where their loop fits, {@link #fourConsumers}), a swizzle whose column
     * blocks divide the head size, the softmax's column of ones only in chunked tiles with a spare chunk (padded size
     * 48, head size 40), a swizzled query tile only beside swizzled K and V, the flags known and in the combinations
     * the emulator has run (persistent blocks and the softmax under the products not in clusters, the query in
     * registers, stale maxima and polynomial exponentials in one-block kernels only, the last two not with packed
     * float16 exponentials, the last not with the query in registers; no diagnostics),
     * shared memory a block can have, and two blocks per SM only where they fit
     * ({@link #twoBlocks}).
     */
    boolean valid() {
      boolean swizzleFits =
          swizzle == 0 || ((swizzle == 32 || swizzle == 64 || swizzle == 128) && dp % (swizzle / 2) == 0);
      return keys % 16 == 0 && keys >= 16 && keys <= 256 && stages >= 2 && stages <= 4
          && (consumers == 2 || consumers == 3 || (consumers == 4 && fourConsumers())) && swizzleFits
          && softmax >= 0 && softmax <= 2
          && (softmax == 0 || (swizzle == 0 && AttentionTune.headSize(dp) <= dp - 8))
          && ((flags & FLAG_SWIZZLED_Q) == 0 || swizzle != 0) && flags >= 0 && flags < 8192
          && (flags & WgmmaKernel.FLAG_DIAGNOSTICS) == 0
          && !(kernel().cluster() > 1 && (kernel().persistent() || (flags & FLAG_OVERLAP) != 0))
          && ((flags & (FLAG_QUERY_REGISTERS | FLAG_LAZY_RESCALE | FLAG_POLY_EXP)) == 0
              || (flags & (WgmmaKernel.FLAG_CLUSTER | WgmmaKernel.FLAG_PERSISTENT | FLAG_TWO_BLOCKS)) == 0)
          && ((flags & (FLAG_LAZY_RESCALE | FLAG_POLY_EXP)) == 0 || softmax != 2)
          && ((flags & FLAG_POLY_EXP) == 0 || (flags & FLAG_QUERY_REGISTERS) == 0)
          && kernel().sharedBytes() <= AttentionTune.MAX_SHARED_BYTES
          && ((flags & FLAG_TWO_BLOCKS) == 0 || twoBlocks());
    }

    /**
     * Whether four consumers compile as the template has them (112 registers each, all that 640 threads' pool leaves
     * beside the producer) without spilling: one-block kernels whose O, S and P of the last tile (dp / 2 + 3 * keys / 4
     * floats a thread) take at most 84 registers, as ptxas found (64 and 80 keys at padded head size 48, 48 and 64 at
     * 64, 48 at 80; not 96 at 48, 80 at 64, 64 at 80, any at 128).
     */
    private boolean fourConsumers() {
      return (flags & (WgmmaKernel.FLAG_CLUSTER | WgmmaKernel.FLAG_PERSISTENT | FLAG_TWO_BLOCKS)) == 0
          && dp / 2 + 3 * keys / 4 <= 84;
    }

    /**
     * Whether it runs two blocks per SM as the template compiles them: two consumers, one-block kernels, half an SM's
     * shared memory each, and (ptxas giving each thread 80 registers) 64-key tiles at padded head size 48 at most, the
     * shapes that compile without spilling (128-key tiles do not compile at all).
     */
    private boolean twoBlocks() {
      return consumers == 2 && (flags & (WgmmaKernel.FLAG_CLUSTER | WgmmaKernel.FLAG_PERSISTENT)) == 0
          && 2 * (kernel().sharedBytes() + 1024) <= 228 * 1024 && keys <= 64 && dp <= 48;
    }

    WgmmaKernel kernel() {
      return kernel("row");
    }

    /** The kernel of this row named {@code name}. */
    WgmmaKernel kernel(String name) {
      return f16().kernel(name);
    }
  }

  /** A tuning kernel's line: its row, speed over sdj's kernel and largest difference from its output. */
  record Measured(Row row, double speed, double maxDiff) {
    /** A line of AttentionTune's output, where it is a timed tuning kernel's. */
    static Optional<Measured> parse(String line) {
      String[] f = line.trim().split(" +");
      if (f.length < 7) {
        return Optional.empty();
      }
      try {
        double speed = Double.parseDouble(f[5]);
        double diff = Double.parseDouble(f[6]);
        return Row.of(f[0]).map(r -> new Measured(r, speed, diff));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }

    boolean usable() {
      return speed > 0 && Double.isFinite(speed) && maxDiff < MAX_DIFF;
    }
  }

  public static void main(String[] args) throws IOException {
    List<Row> rows = next(Files.readAllLines(Path.of(args[0])));
    System.out.println(rows.stream().map(Row::tuple).collect(Collectors.joining(";")));
  }

  /** The row of a kernel that hung or whose launch failed (AttentionTune's {@code hung:} and {@code failed:} lines). */
  static Optional<Row> failed(String line) {
    String[] f = line.trim().split("[ :]+");
    return f.length >= 2 && (f[0].equals("hung") || f[0].equals("failed")) ? Row.of(f[1]) : Optional.empty();
  }

  /** The second sweep's rows from the first sweep's lines, by padded head size. */
  static List<Row> next(List<String> lines) {
    List<Measured> all = lines.stream().map(Measured::parse).flatMap(Optional::stream).toList();
    Set<Row> seen = all.stream().map(Measured::row).collect(Collectors.toSet());
    int working = all.stream().filter(Measured::usable).mapToInt(m -> m.row().flags()).reduce(0, (a, b) -> a | b);
    int broken = lines.stream().map(TuneCombinations::failed).flatMap(Optional::stream).mapToInt(Row::flags)
        .reduce(0, (a, b) -> a | b) & ~working;
    Map<Integer, List<Measured>> byHead = new TreeMap<>();
    for (Measured m : all) {
      if (m.usable()) {
        byHead.computeIfAbsent(m.row().dp(), k -> new ArrayList<>()).add(m);
      }
    }
    List<Row> out = new ArrayList<>();
    for (List<Measured> head : byHead.values()) {
      head.sort(Comparator.comparingDouble(Measured::speed).reversed());
      out.addAll(head(head, seen, broken));
    }
    return out;
  }

  private static List<Row> head(List<Measured> ranked, Set<Row> seen, int broken) {
    Row best = ranked.get(0).row();
    Set<Row> want = new LinkedHashSet<>();
    int wins = winningFlags(ranked);
    want.add(best.withFlags(best.flags() | wins));
    if (best.swizzle() != 0) {
      want.add(best.withFlags(best.flags() | wins | FLAG_SWIZZLED_Q));
    }
    for (int f : FLAG_BITS) {
      want.add(best.withFlags(best.flags() ^ f));
    }
    for (Measured m : ranked.subList(1, Math.min(4, ranked.size()))) {
      want.add(best.withShape(m.row()));
      want.add(best.withShape(m.row()).withFlags(best.flags() | wins));
    }
    ranked.stream().filter(m -> m.row().swizzle() != best.swizzle()).findFirst()
        .ifPresent(m -> want.add(best.withSwizzle(m.row().swizzle())));
    return want.stream().filter(r -> !seen.contains(r) && r.valid() && (r.flags() & broken) == 0).limit(PER_HEAD)
        .toList();
  }

  /**
   * The flags that won alone: bits f for which some measured pair of kernels, alike but for f, has the one with f
   * over {@link #WIN} times faster, and no such pair has it slower by as much.
   */
  static int winningFlags(List<Measured> measured) {
    int wins = 0;
    for (int f : FLAG_BITS) {
      boolean won = false;
      boolean lost = false;
      for (Measured with : measured) {
        if ((with.row().flags() & f) == 0) {
          continue;
        }
        Row twin = with.row().withFlags(with.row().flags() & ~f);
        for (Measured without : measured) {
          if (without.row().equals(twin)) {
            won |= with.speed() > without.speed() * WIN;
            lost |= without.speed() > with.speed() * WIN;
          }
        }
      }
      if (won && !lost) {
        wins |= f;
      }
    }
    return wins;
  }
}
