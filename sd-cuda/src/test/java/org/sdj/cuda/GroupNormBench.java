package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.cuEventDestroy;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.sdj.backend.Ops;

/**
 * Times the channels-last group norm's three kernels (each chunk's statistics, their merge, the apply) at the shapes
 * of SD 1.5's UNet step (batch 2 of 64x64 latents, 32 groups, then SiLU), in microseconds per call from CUDA events
 * with the device kept busy ahead of the host ({@link CudaOpProfile#keepBusy}), for the chunking of
 * {@code -Dsdj.cuda.groupNormBlocks}'s default and two coarser ones; and the whole norm's effective bandwidth (x read
 * twice, y written once). Run 9's op profile had a group norm at 15-35 us where its bytes take ~5: this says which
 * kernel holds the rest. Then, where it is loaded and applies, {@link ClusterGroupNorm}'s one kernel whole (its
 * "chunks" column: pixels per block; its GB/s counted as the three kernels' traffic, so that the columns compare).
 * For scripts/gpu-check.sh; not a unit test: {@code java ... org.sdj.cuda.GroupNormBench}.
 */
public final class GroupNormBench {
  private GroupNormBench() {}

  /** {channels, pixels} of the UNet's group norms at a 64x64 latent. */
  static final int[][] SHAPES = {{320, 4096}, {640, 4096}, {640, 1024}, {1280, 1024}, {1280, 256}, {1280, 64},
      {2560, 64}};
  /** Chunkings, finest first: the blocks a group norm aims for ({@code -Dsdj.cuda.groupNormBlocks}). */
  private static final long[] TARGET_BLOCKS = {1024, 256, 64};
  private static final int N = 2;
  private static final int GROUPS = 32;
  private static final float EPS = 1e-5f;

  /** Microseconds per call of each of a list of calls, each made {@code iterations} times. */
  interface Clock {
    double[] time(List<Runnable> parts, int iterations);
  }

  public static void main(String[] args) {
    try (CudaBackend backend = new CudaBackend(CudaOptions.defaults())) {
      System.out.println(backend.description());
      run(backend, (parts, iterations) -> events(backend, parts, iterations), SHAPES, 50, System.out);
    }
  }

  /** The table for {@code shapes} ({channels, pixels} each), timed by {@code clock}, into {@code out}. */
  static void run(CudaBackend backend, Clock clock, int[][] shapes, int iterations, PrintStream out) {
    out.printf("%-16s %-7s %-7s %9s %9s %9s %9s %8s%n", "[n, px, C]", "blocks", "chunks", "stats us", "merge us",
        "apply us", "whole us", "GB/s");
    NormKernels norms = backend.norms();
    try (Ops ops = backend.ops()) {
      CudaOps cuda = (CudaOps) ops;
      for (int[] shape : shapes) {
        int channels = shape[0];
        int pixels = shape[1];
        long elements = (long) N * pixels * channels;
        String name = "[" + N + ", " + pixels + ", " + channels + "]";
        try (DeviceTensor x = cuda.empty(new long[] {elements}); DeviceTensor y = cuda.empty(new long[] {elements});
            DeviceTensor gamma = cuda.empty(new long[] {channels});
            DeviceTensor beta = cuda.empty(new long[] {channels});
            // The finest chunking's scratch, in 16-bit elements: two per float.
            DeviceTensor stats = cuda.empty(new long[] {2 * NormKernels.NhwcCut.of(N, channels, pixels, GROUPS,
                x.address(), y.address(), TARGET_BLOCKS[0]).scratchFloats()})) {
          for (long target : TARGET_BLOCKS) {
            NormKernels.NhwcCut cut = NormKernels.NhwcCut.of(N, channels, pixels, GROUPS, x.address(), y.address(),
                target);
            Runnable stat = () -> norms.nhwcStats(cut, x.address(), stats.address());
            Runnable merge = () -> norms.nhwcMerge(cut, stats.address(), EPS);
            Runnable apply = () -> norms.nhwcApply(cut, x.address(), stats.address(), gamma.address(),
                beta.address(), y.address(), true);
            Runnable whole = () -> norms.groupNormNhwc(cut, x.address(), gamma.address(), beta.address(),
                y.address(), EPS, true, stats.address());
            double[] us = clock.time(List.of(stat, merge, apply, whole), iterations);
            out.printf("%-16s %-7d %-7d %9.1f %9.1f %9.1f %9.1f %8.0f%n", name, target, cut.splits(), us[0], us[1],
                us[2], us[3], gigabytesPerSecond(elements, us[3]));
          }
          if (norms.hasClusterKernel()) {
            ClusterGroupNorm.Cut.of(N, channels, pixels, GROUPS, x.address(), y.address()).ifPresent(cut -> {
              Runnable whole = () -> norms.groupNormCluster(cut, x.address(), gamma.address(), beta.address(),
                  y.address(), EPS, true);
              double us = clock.time(List.of(whole), iterations)[0];
              out.printf("%-16s %-7s %-7d %9s %9s %9s %9.1f %8.0f%n", name, "cluster", cut.perBlock(), "-", "-", "-",
                  us, gigabytesPerSecond(elements, us));
            });
          }
        }
      }
    }
  }

  /** The three kernels' traffic (x read twice, y written once, 2 bytes an element) over {@code us} microseconds. */
  private static double gigabytesPerSecond(long elements, double us) {
    return 3.0 * 2 * elements / (us * 1e-6) / 1e9;
  }

  /**
   * The GPU's clock: each part's calls between two CUDA events, after a warm-up call of each, all enqueued behind
   * {@link CudaOpProfile#keepBusy}'s work so that the events time the device, not the host's launches.
   */
  private static double[] events(CudaBackend backend, List<Runnable> parts, int iterations) {
    parts.forEach(Runnable::run);
    List<CUevent_st> events = new ArrayList<>();
    try (Ops busy = backend.ops()) {
      CudaOpProfile.keepBusy(busy);
      events.add(CudaOpProfile.record(backend));
      for (Runnable part : parts) {
        for (int i = 0; i < iterations; i++) {
          part.run();
        }
        events.add(CudaOpProfile.record(backend));
      }
      backend.sync();
    }
    double[] us = new double[parts.size()];
    for (int i = 0; i < parts.size(); i++) {
      us[i] = CudaOpProfile.millis(events.get(i), events.get(i + 1)) * 1e3 / iterations;
    }
    events.forEach(e -> cuEventDestroy(e));
    return us;
  }
}
