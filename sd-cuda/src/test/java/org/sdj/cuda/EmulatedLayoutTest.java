package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.DType;

/**
 * layout.cu's kernels on the CPU emulator, launched by {@link Kernels} with the arguments CudaOps and CudaConv2d give
 * them, against the reference ops. They move data without arithmetic, so results must be equal bit for bit. Sizes that
 * are not whole 16-byte vectors take the scalar kernels, whole aligned ones the vector kernels.
 */
class EmulatedLayoutTest {
  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void sliceIsNarrow(DType type) {
    try (HostRun run = new HostRun(type, "slice")) {
      float[] x = run.random(3 * 10 * 7);
      long y = run.output(3 * 5 * 7);
      new Kernels(run.launcher).slice(run.put(x), y, 3, 10 * 7, 2 * 7, 5 * 7);
      HostRun.assertSame(run.host(run.ref.narrow(run.tensor(x, 3, 10, 7), 1, 2, 5)), run.get(y, 3 * 5 * 7), "narrow");
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void concat(DType type) {
    try (HostRun run = new HostRun(type, "concat")) {
      // [outer, a, inner] ++ [outer, b, inner] along dim 1; rows of a * inner and b * inner elements.
      int[][] cases = {{3, 5, 4, 7}, {2, 2, 3, 8}, {3, 16, 40, 1}};
      for (int[] c : cases) {
        int outer = c[0];
        int a = c[1];
        int b = c[2];
        int inner = c[3];
        float[] va = run.random(outer * a * inner);
        float[] vb = run.random(outer * b * inner);
        long pa = run.put(va);
        long pb = run.put(vb);
        int n = outer * (a + b) * inner;
        long y = run.output(n);
        assertEquals(inner % 8 == 0 || (a * inner % 8 == 0 && b * inner % 8 == 0),
            Kernels.concatVectorized(pa, pb, y, outer, (long) a * inner, (long) b * inner));
        new Kernels(run.launcher).concat(pa, pb, y, outer, (long) a * inner, (long) b * inner);
        HostRun.assertSame(run.host(run.ref.concat(1, run.tensor(va, outer, a, inner), run.tensor(vb, outer, b, inner))),
            run.get(y, n), "concat of " + a + " and " + b + " rows of " + inner);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void transposesBetweenNchwAndTokens(DType type) {
    try (HostRun run = new HostRun(type, "transpose")) {
      // [N, C, H, W]: odd sizes take the 32 x 32 scalar tile, multiples of 8 the 64 x 64 vector tile (2 x 2 of them).
      int[][] cases = {{2, 37, 5, 9}, {2, 72, 8, 10}, {1, 8, 1, 8}};
      for (int[] c : cases) {
        int batch = c[0];
        int channels = c[1];
        int hw = c[2] * c[3];
        int n = batch * channels * hw;
        float[] x = run.random(n);
        long px = run.put(x);
        long tokens = run.output(n);
        Kernels k = new Kernels(run.launcher);
        k.transpose(px, tokens, batch, channels, hw);
        String at = channels + " channels of " + c[2] + " x " + c[3];
        HostRun.assertSame(run.host(run.ref.nchwToTokens(run.tensor(x, batch, channels, c[2], c[3]))),
            run.get(tokens, n), "to tokens, " + at);
        long back = run.output(n);
        float[] t = run.get(tokens, n);
        k.transpose(tokens, back, batch, hw, channels);
        HostRun.assertSame(run.host(run.ref.tokensToNchw(run.tensor(t, batch, hw, channels), c[2], c[3])),
            run.get(back, n), "to NCHW, " + at);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void upsampleNearest(DType type) {
    try (HostRun run = new HostRun(type, "upsample")) {
      float[] x = run.random(2 * 3 * 5 * 7);
      for (int[] size : new int[][] {{10, 14}, {11, 13}, {3, 4}}) {
        int n = 6 * size[0] * size[1];
        long y = run.output(n);
        new Kernels(run.launcher).upsampleNearest(run.put(x), y, 6, 5, 7, size[0], size[1]);
        HostRun.assertSame(run.host(run.ref.upsampleNearest(run.tensor(x, 2, 3, 5, 7), size[0], size[1])),
            run.get(y, n), size[0] + " x " + size[1]);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void embeddingPicksRows(DType type) {
    try (HostRun run = new HostRun(type, "embedding")) {
      float[] table = run.random(11 * 37);
      int[] ids = {3, 0, 10, 3, 7};
      long y = run.output(ids.length * 37);
      new Kernels(run.launcher).embedding(run.put(table), run.putInts(ids), y, ids.length, 37);
      HostRun.assertSame(run.host(run.ref.embedding(run.tensor(table, 11, 37), ids)), run.get(y, ids.length * 37),
          "embedding");
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void pad2dSurroundsWithZeros(DType type) {
    try (HostRun run = new HostRun(type, "pad2d")) {
      int planes = 6;
      int h = 5;
      int w = 7;
      int top = 1;
      int left = 2;
      int ph = h + top + 2;
      int pw = w + left;
      float[] x = run.random(planes * h * w);
      long y = run.output(planes * ph * pw);
      new Kernels(run.launcher).pad2d(run.put(x), y, planes, h, w, top, left, ph, pw);
      float[] want = new float[planes * ph * pw];
      for (int p = 0; p < planes; p++) {
        for (int i = 0; i < h; i++) {
          System.arraycopy(x, (p * h + i) * w, want, (p * ph + i + top) * pw + left, w);
        }
      }
      HostRun.assertSame(want, run.get(y, want.length), "pad2d");
    }
  }

  /**
   * Channels last, wrapped along both axes (seamless tiling's circular padding), with 8 channels (the 16-byte vector
   * kernel) and 5 (the element one): each output pixel is the input's at its coordinates modulo the sides.
   */
  @ParameterizedTest
  @CsvSource({"F16, 8", "BF16, 5"})
  void pad2dNhwcWrapsAround(DType type, int c) {
    try (HostRun run = new HostRun(type, "pad2d_nhwc")) {
      int images = 2;
      int h = 4;
      int w = 5;
      int top = 2;
      int left = 3;
      int ph = h + 2 * top;
      int pw = w + 2 * left;
      float[] x = run.random(images * h * w * c);
      long y = run.output(images * ph * pw * c);
      new Kernels(run.launcher).pad2dNhwc(run.put(x), y, images, h, w, top, left, ph, pw, c, true, true);
      float[] want = new float[images * ph * pw * c];
      for (int n = 0; n < images; n++) {
        for (int i = 0; i < ph; i++) {
          for (int j = 0; j < pw; j++) {
            int sy = Math.floorMod(i - top, h);
            int sx = Math.floorMod(j - left, w);
            System.arraycopy(x, ((n * h + sy) * w + sx) * c, want, ((n * ph + i) * pw + j) * c, c);
          }
        }
      }
      HostRun.assertSame(want, run.get(y, want.length), "pad2d_nhwc wrapped");
    }
  }

  /** im2col's columns times the weights, summed in double, are the reference's convolution (uneven padding). */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void im2colTimesWeightsIsTheConvolution(DType type) {
    try (HostRun run = new HostRun(type, "im2col")) {
      int n = 2;
      int c = 3;
      int h = 9;
      int w = 11;
      int k = 3;
      int outs = 4;
      Conv2dParams p = new Conv2dParams(2, 1, 0, 1, 1);
      int oh = (int) p.outSize(h, k, p.padTop(), p.padBottom());
      int ow = (int) p.outSize(w, k, p.padLeft(), p.padRight());
      float[] x = run.random(n * c * h * w);
      float[] weight = run.random(outs * c * k * k);
      int taps = c * k * k;
      long col = run.output(n * oh * ow * taps);
      new Kernels(run.launcher).im2col(run.put(x), col, n, c, h, w, k, k, p.stride(), p.padTop(), p.padLeft(), oh,
          ow);
      float[] cols = run.get(col, n * oh * ow * taps);
      float[] got = new float[n * outs * oh * ow];
      for (int img = 0; img < n; img++) {
        for (int o = 0; o < outs; o++) {
          for (int pix = 0; pix < oh * ow; pix++) {
            double s = 0;
            for (int t = 0; t < taps; t++) {
              s += (double) weight[o * taps + t] * cols[(img * oh * ow + pix) * taps + t];
            }
            got[(img * outs + o) * oh * ow + pix] = (float) s;
          }
        }
      }
      float[] want = run.host(run.ref.conv2d(run.tensor(x, n, c, h, w), run.tensor(weight, outs, c, k, k), null, p,
          null));
      HostRun.assertClose(want, got, 1e-6, "im2col " + oh + " x " + ow);
    }
  }
}
