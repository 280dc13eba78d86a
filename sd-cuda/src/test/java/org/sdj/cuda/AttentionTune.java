package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.cuCtxSynchronize;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.sdj.backend.Ops;

/**
 * Times the attention tuning image's kernels (src/test/tune/attention_tune.cu, built by build-tune.sh:
 * wgmma_kernel.cuh's template in shapes sdj's table lacks) on a GPU at the attention benchmark's size (batch 2, 8
 * heads, N 4096, float16), each against sdj's kernel for its head size in the same run, for scripts/gpu-check.sh. Per
 * head size, a line for sdj's kernel ({@code table}), then one per tuning kernel: ms per call, TFLOP/s (4 B H N^2 d, d
 * unpadded), its speed over sdj's kernel and its largest difference from that kernel's output (a wrong kernel shows
 * there). The times are the median of 5 rounds of 20 calls ({@link Settings#DEFAULTS}), with the rounds' spread (max /
 * min - 1). Not a unit test: {@code java ... org.sdj.cuda.AttentionTune DIR [--from=I] [--only=REGEX] [--no-clusters]
 * [--once]}, DIR holding build-tune.sh's attention_tune_N.cubin and attention_tune.list; I the index in the list to
 * start at; REGEX the tuning kernels to run (all by default); {@code --no-clusters} leaves out those that run in
 * clusters; {@code --once} launches each kernel once, untimed (for a profiler). A kernel that runs for
 * over {@link #HANG_SECONDS}, or a launch that fails (the context is lost), ends the run with a line {@code
 * resume-from: I}, the index after it, for the script to go on in a fresh JVM.
 */
public final class AttentionTune {
  private AttentionTune() {}

  /** Dynamic shared memory a block may opt into on compute capability 9.0. */
  static final int MAX_SHARED_BYTES = 227 * 1024;
  /** Seconds after which a kernel's timing counts as hung. */
  static final int HANG_SECONDS = 10;

  /** The benchmark's head size for padded size {@code dp}: SD 1.5's 40 for 48, else dp itself. */
  static int headSize(int dp) {
    return dp == 48 ? 40 : dp;
  }

  /** Kernels of {@code tune} go there (on the default stream), the others to {@code base}. */
  private record TuneDispatch(Launcher.Dispatch base, KernelModule tune) implements Launcher.Dispatch {
    @Override
    public boolean has(String name) {
      return tune.has(name) || base.has(name);
    }

    @Override
    public void launch(String name, int[] grid, int[] block, int cluster, int sharedBytes, Object[] args) {
      if (tune.has(name)) {
        tune.launch(null, name, grid, block, sharedBytes, args);  // the kernel declares its clusters
      } else {
        base.launch(name, grid, block, cluster, sharedBytes, args);
      }
    }

    @Override
    public TensorMap tensorMap(long address, long[] dims, long[] strides, int[] box, int swizzle) {
      return base.tensorMap(address, dims, strides, box, swizzle);
    }

    @Override
    public int multiprocessors() {
      return base.multiprocessors();
    }
  }

  /**
   * A tuning run's settings: the index in the list to start at, the tuning kernels to run, whether those that run in
   * clusters are left out, whether to launch each once untimed (for a profiler), timed rounds per kernel and calls per
   * round.
   */
  record Settings(int from, Pattern only, boolean clusters, boolean once, int rounds, int calls) {
    static final Settings DEFAULTS = new Settings(0, Pattern.compile(".*"), true, false, 5, 20);

    /** {@code --from=I}, {@code --only=REGEX}, {@code --no-clusters} and {@code --once} over the defaults. */
    static Settings parse(List<String> args) {
      Settings s = DEFAULTS;
      for (String a : args) {
        if (a.startsWith("--from=")) {
          s = new Settings(Integer.parseInt(a.substring(7)), s.only, s.clusters, s.once, s.rounds, s.calls);
        } else if (a.startsWith("--only=")) {
          s = new Settings(s.from, Pattern.compile(a.substring(7)), s.clusters, s.once, s.rounds, s.calls);
        } else if (a.equals("--no-clusters")) {
          s = new Settings(s.from, s.only, false, s.once, s.rounds, s.calls);
        } else if (a.equals("--once")) {
          s = new Settings(s.from, s.only, s.clusters, true, s.rounds, s.calls);
        } else {
          throw new IllegalArgumentException(
              "unknown argument " + a + " (--from=I, --only=REGEX, --no-clusters, --once)");
        }
      }
      return s;
    }

    /** Whether kernel {@code name} is one to run. */
    boolean runs(String name) {
      return only.matcher(name).matches() && (clusters || WgmmaKernel.tuning(name).cluster() == 1);
    }
  }

  /**
   * Where a run's kernels go: {@code launcher} reaches sdj's kernels and the tuning image's, {@code sync} waits for
   * all of them; the attention's batch items, sequence length and heads.
   */
  record Bench(CudaBackend backend, Launcher launcher, Runnable sync, int batch, int n, int heads) {}

  /** What the watchdog watches: the kernel being timed and when it counts as hung. */
  private static volatile String current = "";
  private static volatile int currentIndex = -1;
  private static volatile long deadline = Long.MAX_VALUE;

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Settings settings = Settings.parse(List.of(args).subList(1, args.length));
    List<String> names = Files.readAllLines(dir.resolve("attention_tune.list")).stream()
        .map(String::strip).filter(s -> !s.isEmpty()).toList();
    // build-tune.sh's parts, each an image of its own.
    Map<String, byte[]> images = TunedKernels.cubins(dir);
    startWatchdog();
    try (CudaBackend backend = new CudaBackend(CudaOptions.defaults());
        KernelModule tune = new KernelModule(images)) {
      System.out.println(backend.description());
      Launcher launcher = new Launcher(new TuneDispatch(backend.launcher().dispatch(), tune),
          backend.computeType());
      run(new Bench(backend, launcher, () -> Cu.check(cuCtxSynchronize(), "cuCtxSynchronize"), 2, 4096, 8), names,
          settings, System.out);
    } catch (CudaException e) {
      System.out.println("failed: " + current + ": " + e.getMessage());
      if (currentIndex >= 0) {  // a kernel's launch failed, and the context with it: go on past it in a fresh JVM
        System.out.println("resume-from: " + (currentIndex + 1));
        System.out.flush();
        Runtime.getRuntime().halt(4);
      }
      throw e;
    }
  }

  /** Times the tuning kernels {@code names} as {@code settings} say, printing their lines to {@code out}. */
  static void run(Bench bench, List<String> names, Settings settings, PrintStream out) {
    out.printf("%-44s %-4s %-8s %-7s %-8s %-6s %-10s%n", "kernel", "d", "ms", "spread", "TFLOP/s", "speed",
        "max diff");
    int dp = -1;
    Ops ops = null;
    AttentionBench.Inputs in = null;
    Timing base = null;
    try {
      for (int i = settings.from(); i < names.size(); i++) {
        String name = names.get(i);
        if (!settings.runs(name)) {
          continue;
        }
        WgmmaKernel kernel = WgmmaKernel.tuning(name);
        if (kernel.dp() != dp) {
          // sdj's kernel for the head size, once per run of its tuning kernels: the baseline and the want.
          if (ops != null) {
            ops.close();
          }
          dp = kernel.dp();
          ops = bench.backend().ops();
          in = AttentionBench.Inputs.random(ops, bench.batch(), bench.n(), bench.heads(), headSize(dp));
          watch("table d" + dp, i);
          base = time(bench, ops, new AttentionKernels(bench.launcher(), CudaOptions.Attention.WGMMA,
              AttentionKernels.Copies.TMA_CHUNKS), in, settings);
          base.print(out, "table", in, 1, "-");
        }
        if (kernel.sharedBytes() > MAX_SHARED_BYTES) {
          out.printf("%-44s %-4d skipped: %d bytes of shared memory%n", name, in.d(), kernel.sharedBytes());
          continue;
        }
        watch(name, i);
        Timing t = time(bench, ops, new AttentionKernels(bench.launcher(), AttentionKernels.Copies.TMA_CHUNKS, kernel),
            in, settings);
        t.print(out, name, in, base.ms() / t.ms(), String.format("%.2e", AttentionBench.maxDiff(base.out(), t.out())));
      }
    } finally {
      deadline = Long.MAX_VALUE;
      if (ops != null) {
        ops.close();
      }
    }
  }

  /** A kernel's output, and its median time per call over the rounds with their spread (NaN where untimed). */
  private record Timing(float[] out, double ms, double spread) {
    void print(PrintStream to, String name, AttentionBench.Inputs in, double speed, String diff) {
      to.printf("%-44s %-4d %-8.3f %-7.3f %-8.1f %-6.2f %-10s%n", name, in.d(), ms, spread, in.tflops(ms), speed,
          diff);
    }
  }

  /** Runs {@code kernels} on {@code in} once, then, unless {@code settings} say once, times it. */
  private static Timing time(Bench bench, Ops ops, AttentionKernels kernels, AttentionBench.Inputs in,
      Settings settings) {
    try (DeviceTensor o = ((CudaOps) ops).empty(new long[] {in.batch(), in.n(), in.width()})) {
      Runnable call = () -> kernels.attention(in.q(), in.k(), in.v(), o.address(), in.batch(), in.n(), in.n(),
          in.heads(), in.d(), in.width(), in.width(), in.scale(), false);
      call.run();
      bench.sync().run();
      float[] out = ops.toHost(o);
      if (settings.once()) {
        return new Timing(out, Double.NaN, Double.NaN);
      }
      double[] ms = new double[settings.rounds()];
      for (int r = 0; r < ms.length; r++) {
        ms[r] = AttentionBench.time(bench.sync(), settings.calls(), call);
      }
      Arrays.sort(ms);
      return new Timing(out, ms[ms.length / 2], ms[ms.length - 1] / ms[0] - 1);
    }
  }

  private static void watch(String name, int index) {
    current = name;
    currentIndex = index;
    deadline = System.nanoTime() + HANG_SECONDS * 1_000_000_000L;
  }

  /** Ends the JVM where a kernel's timing outlasts its deadline (a hung kernel never returns). */
  private static void startWatchdog() {
    Thread t = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
        if (System.nanoTime() > deadline) {
          System.out.println("hung: " + current + " (over " + HANG_SECONDS + " s)");
          System.out.println("resume-from: " + (currentIndex + 1));
          System.out.flush();
          Runtime.getRuntime().halt(3);
        }
      }
    }, "attention-tune-watchdog");
    t.setDaemon(true);
    t.start();
  }
}
