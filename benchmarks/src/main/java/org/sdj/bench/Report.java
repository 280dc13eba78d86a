package org.sdj.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks on sdj's CPU backend and on libtorch in one JMH run and prints, for each benchmark and shape,
 * both medians with their spread and the ratio. {@code smoke} finishes in under a minute; {@code full} runs every
 * shape and the whole models; {@code upscaler} the ESRGAN tile alone (about a minute); {@code taesd} TAESD's decoder
 * alone (about a minute). With {@code --append FILE} the table is also appended to that markdown file.
 */
public final class Report {
  private Report() {}

  public static void main(String[] args) throws RunnerException, IOException {
    String profile = args.length > 0 ? args[0] : "smoke";
    Path append = args.length > 2 && args[1].equals("--append") ? Path.of(args[2]) : null;
    String loadBefore = load();
    List<RunResult> results = new ArrayList<>();
    switch (profile) {
      case "smoke" -> results.addAll(run(options(1, 1, 2, 1)
          .include(GemmBenchmark.class.getName()).param("mxkxn", "512x512x512", "8192x320x320")
          .include(ConvBenchmark.class.getName())
          .include(AttentionBenchmark.class.getName()).param("attn", "2x8x4096x4096x40")));
      case "full" -> {
        results.addAll(run(options(3, 2, 5, 2).include(GemmBenchmark.class.getName())
            .include(ConvBenchmark.class.getName()).include(AttentionBenchmark.class.getName())));
        results.addAll(run(options(1, 1, 3, 1).include(ModelBenchmark.class.getName())
            .include(UpscalerBenchmark.class.getName()).include(TaesdBenchmark.class.getName())));
      }
      case "upscaler" -> results.addAll(run(options(1, 3, 5, 3).include(UpscalerBenchmark.class.getName())));
      case "taesd" -> results.addAll(run(options(1, 3, 5, 3).include(TaesdBenchmark.class.getName())));
      default -> throw new IllegalArgumentException("profile is smoke, full, upscaler or taesd, not " + profile);
    }
    String table = table(results, profile, loadBefore, load());
    System.out.println(table);
    if (append != null) {
      Files.writeString(append, table, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }

  private static ChainedOptionsBuilder options(int warmups, int warmupSeconds, int iterations, int seconds) {
    return new OptionsBuilder().warmupIterations(warmups).warmupTime(TimeValue.seconds(warmupSeconds))
        .measurementIterations(iterations).measurementTime(TimeValue.seconds(seconds)).forks(1)
        .jvmArgsAppend("-Dsdj.bench.threads=" + Backends.threads());
  }

  private static Collection<RunResult> run(ChainedOptionsBuilder options) throws RunnerException {
    return new Runner(options.build()).run();
  }

  /** One markdown table: per benchmark and shape, both backends' median time, spread and the ratio. */
  static String table(List<RunResult> results, String profile, String loadBefore, String loadAfter) {
    Map<String, Map<String, double[]>> rows = new LinkedHashMap<>();
    for (RunResult r : results) {
      var params = r.getParams();
      String backend = params.getParam("backend");
      StringBuilder key = new StringBuilder(params.getBenchmark().replaceFirst(".*\\.", ""));
      for (String p : params.getParamsKeys()) {
        if (!p.equals("backend")) {
          key.append(' ').append(params.getParam(p));
        }
      }
      rows.computeIfAbsent(key.toString(), k -> new LinkedHashMap<>()).put(backend, stats(r));
    }
    StringBuilder out = new StringBuilder();
    out.append("\n### ").append(profile).append(" run, ").append(ZonedDateTime.now().withNano(0)).append("\n\n")
        .append("- machine: ").append(Machine.cpu()).append(", ").append(Runtime.getRuntime().availableProcessors())
        .append(" processors; JDK ").append(Runtime.version()).append("; threads per backend: ")
        .append(Backends.threads()).append("\n- load average (1, 5, 15 min) before: ").append(loadBefore)
        .append("; after: ").append(loadAfter).append("\n\n")
        .append("| benchmark | sdj-cpu ms (median, min-max) | libtorch ms (median, min-max) | libtorch / sdj |"
            + " best / best |\n")
        .append("|---|---|---|---|---|\n");
    for (var row : rows.entrySet()) {
      double[] s = row.getValue().get(Backends.SDJ);
      double[] t = row.getValue().get(Backends.TORCH);
      out.append("| ").append(row.getKey()).append(" | ").append(cell(s)).append(" | ").append(cell(t)).append(" | ")
          .append(ratio(t, s, 0)).append(" | ").append(ratio(t, s, 1)).append(" |\n");
    }
    return out.toString();
  }

  /**
   * {@code libtorch / sdj} of the medians ({@code at} 0) or of the fastest iterations (1): libtorch's times are often
   * bimodal on a loaded machine, and the ratio of the best times is the one that does not flatter sdj.
   */
  private static String ratio(double[] torch, double[] sdj, int at) {
    return torch == null || sdj == null ? "-" : String.format("%.2fx", torch[at] / sdj[at]);
  }

  /** Median, minimum and maximum of the measured iterations' scores. */
  private static double[] stats(RunResult r) {
    List<Double> scores = new ArrayList<>();
    for (IterationResult it : r.getBenchmarkResults().iterator().next().getIterationResults()) {
      scores.add(it.getPrimaryResult().getScore());
    }
    scores.sort(null);
    int n = scores.size();
    double median = n % 2 == 1 ? scores.get(n / 2) : (scores.get(n / 2 - 1) + scores.get(n / 2)) / 2;
    return new double[] {median, scores.get(0), scores.get(n - 1)};
  }

  private static String cell(double[] s) {
    return s == null ? "-" : String.format("%.2f (%.2f-%.2f)", s[0], s[1], s[2]);
  }

  private static String load() {
    return Machine.loadAverage();
  }
}
