package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * The channels-last kernels ({@link CudaOptions#channelsLast()}) on the CPU emulator, launched as the CUDA backend
 * launches them, against the reference ops on the same images in row-major order: group norm (groups that 8-channel
 * vectors straddle, channels that are no multiple of 8, several chunks per sample), nearest upsampling, padding and
 * the per-channel add, each on its vector and its scalar path.
 */
class EmulatedChannelsLastTest {
  private static final float EPS = 1e-5f;

  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void groupNorm(DType type) {
    try (HostRun run = new HostRun(type, "groupNormNhwc")) {
      // n, channels, groups, height, width, aligned, chunks per sample
      // (Few groups: the emulator's barriers are slow, and each group is a block of the merge.)
      int[][] cases = {{1, 80, 8, 4, 4, 1, 1}, {2, 16, 8, 5, 5, 1, 1}, {1, 12, 4, 9, 7, 1, 1},
          {1, 16, 4, 20, 20, 1, 4}, {1, 16, 4, 20, 20, 0, 4}};
      for (int[] c : cases) {
        int n = c[0];
        int channels = c[1];
        int groups = c[2];
        int h = c[3];
        int w = c[4];
        boolean aligned = c[5] == 1;
        long pixels = (long) h * w;
        assertEquals(c[6], NormKernels.nhwcSplits(n, pixels, channels), "chunks per sample");
        int size = n * channels * h * w;
        float[] x = run.random(size, 1, 5);
        float[] gamma = run.random(channels);
        float[] beta = run.random(channels);
        long px = aligned ? run.put(toNhwc(x, n, channels, h * w)) : run.putMisaligned(toNhwc(x, n, channels, h * w));
        for (boolean silu : new boolean[] {false, true}) {
          long y = aligned ? run.output(size) : run.outputMisaligned(size);
          assertEquals(aligned && channels % 8 == 0, NormKernels.nhwcVectorized(channels, px, y), "vector path");
          long stats = run.scratchF32(NormKernels.nhwcStatsFloats(n, channels, pixels, groups));
          new NormKernels(run.launcher).groupNormNhwc(px, run.put(gamma), run.put(beta), y, n, channels, pixels,
              groups, EPS, silu, stats);
          float[] want = run.host(run.ref.groupNorm(run.tensor(x, n, channels, h, w), groups,
              run.tensor(gamma, channels), run.tensor(beta, channels), EPS, silu));
          run.assertClose(toNhwc(want, n, channels, h * w), run.get(y, size), n + " x " + channels + " x " + h + "x"
              + w + " in " + groups + " groups" + (aligned ? "" : ", misaligned") + (silu ? ", SiLU" : ""));
        }
      }
    }
  }

  /**
   * The vectorized apply alone, given each group's (mean, rstd), where its grid (about 1024 blocks, samples along y)
   * leaves some threads two vectors of a sample: 512 samples of 16 channels in 4 groups over 16x17 pixels, 544
   * vectors a sample on 2 blocks of 256 threads.
   */
  @Test
  void applyStridesOverMoreVectorsThanItsThreads() {
    try (HostRun run = new HostRun(DType.F16, "groupApplyNhwc")) {
      int n = 512;
      int channels = 16;
      int groups = 4;
      int pixels = 16 * 17;
      int cpg = channels / groups;
      assertEquals(2, NormKernels.nhwcApplyBlocks(n, (long) pixels * channels / 8), "blocks per sample");
      int size = n * pixels * channels;
      float[] x = run.random(size, -3, 5);
      float[] gamma = run.random(channels);
      float[] beta = run.random(channels);
      // The statistics as the merge leaves them, after n * groups pairs of chunk statistics (one chunk a sample).
      float[] stats = new float[4 * n * groups];
      for (int s = 0; s < n; s++) {
        for (int g = 0; g < groups; g++) {
          double sum = 0;
          double squares = 0;
          for (int p = 0; p < pixels; p++) {
            for (int c = g * cpg; c < (g + 1) * cpg; c++) {
              double v = x[(s * pixels + p) * channels + c];
              sum += v;
              squares += v * v;
            }
          }
          double mean = sum / (pixels * cpg);
          int at = 2 * n * groups + 2 * (s * groups + g);
          stats[at] = (float) mean;
          stats[at + 1] = (float) (1 / Math.sqrt(squares / (pixels * cpg) - mean * mean + EPS));
        }
      }
      long px = run.put(x);
      long y = run.output(size);
      NormKernels.NhwcCut cut = new NormKernels.NhwcCut(n, channels, pixels, groups, pixels, 1, true);
      new NormKernels(run.launcher).nhwcApply(cut, px, run.putF32(stats), run.put(gamma), run.put(beta), y, true);
      float[] want = new float[size];
      for (int i = 0; i < size; i++) {
        int c = i % channels;
        int at = 2 * n * groups + 2 * (i / (pixels * channels) * groups + c / cpg);
        float v = (x[i] - stats[at]) * stats[at + 1] * gamma[c] + beta[c];
        want[i] = v / (1 + (float) Math.exp(-v));
      }
      run.assertClose(want, run.get(y, size), "512 x [16x17, 16] in 4 groups, SiLU");
    }
  }

  /**
   * The same input gives the same bits every time, on the vector and the scalar path: the statistics sum in a fixed
   * order. (With floating-point atomics they did not, the emulator's host threads racing as a GPU's warps do, and a
   * UNet step then differed from itself, and its CUDA-graph replay from its op-by-op run, by 0.2% after fp16 rounding
   * had amplified the last bits.)
   */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void groupNormIsRepeatable(DType type) {
    try (HostRun run = new HostRun(type, "groupNormNhwcRepeat")) {
      int n = 2;
      int channels = 96;
      int groups = 8;
      long pixels = 12 * 12;
      int size = (int) (n * channels * pixels);
      float[] x = run.random(size, 1, 5);
      long pg = run.put(run.random(channels));
      long pb = run.put(run.random(channels));
      for (boolean aligned : new boolean[] {true, false}) {
        long px = aligned ? run.put(x) : run.putMisaligned(x);
        float[] first = null;
        for (int k = 0; k < 3; k++) {
          long y = aligned ? run.output(size) : run.outputMisaligned(size);
          long stats = run.scratchF32(NormKernels.nhwcStatsFloats(n, channels, pixels, groups));
          new NormKernels(run.launcher).groupNormNhwc(px, pg, pb, y, n, channels, pixels, groups, EPS, true, stats);
          float[] got = run.get(y, size);
          if (first == null) {
            first = got;
          } else {
            assertArrayEquals(first, got, (aligned ? "vector" : "scalar") + " path, run " + k + " against run 0");
          }
        }
      }
    }
  }

  /**
   * Channels past the channels-last kernel's shared sums ({@link NormKernels#NHWC_MAX_CHANNELS}) and groups past its
   * {@link NormKernels#NHWC_MAX_GROUPS}: the backend's group norm takes the row-major kernel on a copy instead of
   * refusing, and says so by its result's layout.
   */
  @Test
  void groupNormPastTheChannelsLastLimitsFallsBackToRowMajor() {
    try (HostRun run = new HostRun(DType.F16, "groupNormNhwcFallback");
        CudaBackend backend = HostDevice.backend(CudaOptions.defaults().withChannelsLast(true));
        Ops ops = backend.ops()) {
      int[][] cases = {{NormKernels.NHWC_MAX_CHANNELS + 8, 8}, {2 * (NormKernels.NHWC_MAX_GROUPS + 1),
          NormKernels.NHWC_MAX_GROUPS + 1}};
      for (int[] c : cases) {
        int channels = c[0];
        int groups = c[1];
        assertTrue(!NormKernels.nhwcFits(channels, groups));
        float[] x = run.random(channels * 4);
        float[] gamma = run.random(channels);
        float[] beta = run.random(channels);
        Tensor xt = ops.fromHost(x, 1, channels, 2, 2);
        assertTrue(((DeviceTensor) xt).channelsLast(), "uploaded channels-last");
        Tensor y = ops.groupNorm(xt, groups, ops.fromHost(gamma, channels), ops.fromHost(beta, channels), EPS, true);
        assertTrue(!((DeviceTensor) y).channelsLast(), "the row-major kernel's result");
        float[] want = run.host(run.ref.groupNorm(run.tensor(x, 1, channels, 2, 2), groups,
            run.tensor(gamma, channels), run.tensor(beta, channels), EPS, true));
        run.assertClose(want, ops.toHost(y), channels + " channels in " + groups + " groups");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void upsampleNearest(DType type) {
    try (HostRun run = new HostRun(type, "upsampleNhwc")) {
      // n, channels, h, w, oh, ow, aligned
      int[][] cases = {{2, 16, 5, 7, 10, 14, 1}, {1, 3, 5, 5, 9, 11, 1}, {1, 16, 3, 3, 6, 6, 0}};
      for (int[] c : cases) {
        int n = c[0];
        int ch = c[1];
        int h = c[2];
        int w = c[3];
        int oh = c[4];
        int ow = c[5];
        boolean aligned = c[6] == 1;
        float[] x = run.random(n * ch * h * w);
        long px = aligned ? run.put(toNhwc(x, n, ch, h * w)) : run.putMisaligned(toNhwc(x, n, ch, h * w));
        int size = n * ch * oh * ow;
        long y = aligned ? run.output(size) : run.outputMisaligned(size);
        assertEquals(aligned && ch % 8 == 0, Kernels.pixelVectors(px, y, ch), "vector path");
        new Kernels(run.launcher).upsampleNearestNhwc(px, y, n, h, w, oh, ow, ch);
        float[] want = run.host(run.ref.upsampleNearest(run.tensor(x, n, ch, h, w), oh, ow));
        HostRun.assertSame(toNhwc(want, n, ch, oh * ow), run.get(y, size), h + "x" + w + " -> " + oh + "x" + ow
            + " of " + ch + " channels" + (aligned ? "" : ", misaligned"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void pad(DType type) {
    try (HostRun run = new HostRun(type, "padNhwc")) {
      // n, channels, h, w, top, left, ph, pw, aligned
      int[][] cases = {{2, 16, 5, 7, 0, 0, 6, 8, 1}, {1, 5, 4, 3, 1, 2, 7, 6, 1}, {1, 8, 3, 3, 1, 1, 5, 5, 0}};
      for (int[] c : cases) {
        int n = c[0];
        int ch = c[1];
        int h = c[2];
        int w = c[3];
        int top = c[4];
        int left = c[5];
        int ph = c[6];
        int pw = c[7];
        boolean aligned = c[8] == 1;
        float[] x = run.random(n * ch * h * w);
        float[] xl = toNhwc(x, n, ch, h * w);
        long px = aligned ? run.put(xl) : run.putMisaligned(xl);
        int size = n * ph * pw * ch;
        long y = aligned ? run.output(size) : run.outputMisaligned(size);
        new Kernels(run.launcher).pad2dNhwc(px, y, n, h, w, top, left, ph, pw, ch);
        float[] want = new float[size];
        for (int i = 0; i < n; i++) {
          for (int yy = 0; yy < h; yy++) {
            for (int xx = 0; xx < w; xx++) {
              for (int k = 0; k < ch; k++) {
                want[((i * ph + yy + top) * pw + xx + left) * ch + k] = xl[((i * h + yy) * w + xx) * ch + k];
              }
            }
          }
        }
        HostRun.assertSame(want, run.get(y, size), h + "x" + w + " at (" + top + ", " + left + ") in " + ph + "x" + pw
            + " of " + ch + " channels" + (aligned ? "" : ", misaligned"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void addPerChannel(DType type) {
    try (HostRun run = new HostRun(type, "addPerChannelNhwc")) {
      // n, channels, pixels, aligned
      int[][] cases = {{2, 40, 64, 1}, {3, 5, 7, 1}, {2, 16, 9, 0}};
      for (int[] c : cases) {
        int n = c[0];
        int ch = c[1];
        int pixels = c[2];
        boolean aligned = c[3] == 1;
        int size = n * ch * pixels;
        float[] x = run.random(size);
        float[] b = run.random(n * ch);
        long px = run.put(toNhwc(x, n, ch, pixels));
        long pb = aligned ? run.put(b) : run.putMisaligned(b);
        long y = run.output(size);
        new Kernels(run.launcher).addPerChannelNhwc(px, pb, y, size, (long) ch * pixels, ch);
        float[] want = run.host(run.ref.addPerChannel(run.tensor(x, n, ch, pixels), run.tensor(b, n, ch)));
        run.assertClose(toNhwc(want, n, ch, pixels), run.get(y, size), n + " x " + ch + " x " + pixels
            + (aligned ? "" : ", misaligned bias"));
      }
    }
  }

  /** {@code [n, c, pixels]} -> {@code [n, pixels, c]}. */
  /** {@code x [n, c, pixels]} as {@code [n, pixels, c]}. */
  static float[] toNhwc(float[] x, int n, int c, int pixels) {
    float[] out = new float[x.length];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < c; k++) {
        for (int p = 0; p < pixels; p++) {
          out[(i * pixels + p) * c + k] = x[(i * c + k) * pixels + p];
        }
      }
    }
    return out;
  }
}
