package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sdj.backend.Activation;
import org.sdj.backend.DType;
import org.sdj.backend.HalfPrecision;
import org.sdj.backend.Tensor;

/**
 * pointwise.cu's kernels on the CPU emulator, launched by {@link Kernels} as the CUDA backend launches them, against the
 * reference ops: odd sizes and misaligned tensors take the scalar kernels, whole aligned vectors the 16-byte ones.
 */
class EmulatedPointwiseTest {
  private static final double F32_TOLERANCE = 1e-6;

  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void activations(DType type) {
    try (HostRun run = new HostRun(type, "activations")) {
      int n = 1003;
      float[] x = run.random(n, -5, 5);
      for (Activation kind : Activation.values()) {
        long y = run.output(n);
        new Kernels(run.launcher).activation(run.put(x), y, kind, n);
        run.assertClose(run.host(run.ref.activation(run.tensor(x, n), kind)), run.get(y, n), kind.toString());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void geglu(DType type) {
    try (HostRun run = new HostRun(type, "geglu")) {
      int rows = 5;
      for (int half : new int[] {37, 48}) {
        for (boolean aligned : new boolean[] {true, false}) {
          float[] x = run.random(rows * 2 * half);
          long px = aligned ? run.put(x) : run.putMisaligned(x);
          long y = aligned ? run.output(rows * half) : run.outputMisaligned(rows * half);
          assertTrue(Kernels.gegluVectorized(px, y, half) == (aligned && half % 8 == 0));
          new Kernels(run.launcher).geglu(px, y, rows, half);
          run.assertClose(run.host(run.ref.geglu(run.tensor(x, rows, 2 * half))), run.get(y, rows * half),
              "half " + half + (aligned ? "" : " misaligned"));
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void addBroadcastsASuffix(DType type) {
    try (HostRun run = new HostRun(type, "add")) {
      long[] shape = {3, 5, 7};
      float[] a = run.random(105);
      for (long[] bShape : new long[][] {{3, 5, 7}, {5, 7}, {7}}) {
        int nb = (int) Arrays.stream(bShape).reduce(1, (p, q) -> p * q);
        float[] b = run.random(nb);
        long y = run.output(105);
        new Kernels(run.launcher).add(run.put(a), run.put(b), y, 105, nb);
        run.assertClose(run.host(run.ref.add(run.tensor(a, shape), run.tensor(b, bShape))), run.get(y, 105),
            "b of " + nb);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void addPerChannel(DType type) {
    try (HostRun run = new HostRun(type, "addPerChannel")) {
      for (int spatial : new int[] {37, 64}) {
        for (boolean aligned : new boolean[] {true, false}) {
          int n = 2 * 3 * spatial;
          float[] x = run.random(n);
          float[] b = run.random(6);
          long px = aligned ? run.put(x) : run.putMisaligned(x);
          long y = aligned ? run.output(n) : run.outputMisaligned(n);
          assertTrue(Kernels.addPerChannelVectorized(px, y, n, spatial) == (aligned && spatial % 8 == 0));
          new Kernels(run.launcher).addPerChannel(px, run.put(b), y, n, spatial);
          Tensor want = run.ref.addPerChannel(run.tensor(x, 2, 3, spatial), run.tensor(b, 2, 3));
          run.assertClose(run.host(want), run.get(y, n), "spatial " + spatial + (aligned ? "" : " misaligned"));
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void scaleAndCombine(DType type) {
    try (HostRun run = new HostRun(type, "scaleAndCombine")) {
      int n = 1003;
      float[] x = run.random(n);
      float[] z = run.random(n);
      Kernels k = new Kernels(run.launcher);
      long y = run.output(n);
      k.scale(run.put(x), y, 0.37f, n, false);
      run.assertClose(run.host(run.ref.scale(run.tensor(x, n), 0.37f)), run.get(y, n), "scale");
      long out = run.output(n);
      k.combine(run.put(x), run.put(z), out, 0.8f, -1.3f, n, false);
      run.assertClose(run.host(run.ref.combine(0.8f, run.tensor(x, n), -1.3f, run.tensor(z, n))), run.get(out, n),
          "combine");
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void float32LatentsScaleAndCombine(DType type) {
    try (HostRun run = new HostRun(type, "f32")) {
      int n = 1003;
      float[] x = new float[n];
      float[] z = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = (float) Math.sin(i * 0.37) * 3;
        z[i] = (float) Math.cos(i * 0.11);
      }
      Kernels k = new Kernels(run.launcher);
      long y = run.outputF32(n);
      k.scale(run.putF32(x), y, 0.37f, n, true);
      HostRun.assertClose(run.host(run.ref.scale(run.tensor(x, n), 0.37f)), run.getF32(y, n), F32_TOLERANCE,
          "scale");
      long out = run.outputF32(n);
      k.combine(run.putF32(x), run.putF32(z), out, 0.8f, -1.3f, n, true);
      HostRun.assertClose(run.host(run.ref.combine(0.8f, run.tensor(x, n), -1.3f, run.tensor(z, n))),
          run.getF32(out, n), F32_TOLERANCE, "combine");
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void conversionsToAndFromFloat32AreExact(DType type) {
    try (HostRun run = new HostRun(type, "casts")) {
      Kernels k = new Kernels(run.launcher);
      float[] x = run.random(1003);
      long wide = run.outputF32(x.length);
      k.toFloat32(run.put(x), wide, x.length);
      HostRun.assertSame(x, run.getF32(wide, x.length), "to float32");

      // Ties (halfway between two neighbours) round to even; beyond float16's range is infinity.
      float ulp = type == DType.F16 ? 0x1p-10f : 0x1p-7f;
      float[] f = {1 + ulp / 2, 1 + 3 * ulp / 2, -(1 + ulp / 2), 70000f, -70000f, 1e-6f, 0x1p-20f, 0f, -0f, 3.14159f,
          1e30f, Float.POSITIVE_INFINITY};
      float[] many = new float[f.length + 997];
      System.arraycopy(f, 0, many, 0, f.length);
      for (int i = f.length; i < many.length; i++) {
        many[i] = (float) (Math.sin(i) * Math.pow(2, i % 40 - 20));
      }
      float[] want = new float[many.length];
      for (int i = 0; i < many.length; i++) {
        want[i] = HalfPrecision.round(many[i], type);
      }
      long narrow = run.output(many.length);
      k.fromFloat32(run.putF32(many), narrow, many.length);
      HostRun.assertSame(want, run.get(narrow, many.length), "from float32");
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void biasAndResidualEpilogue(DType type) {
    try (HostRun run = new HostRun(type, "biasResidual")) {
      int n = 2 * 3 * 37;
      float[] y0 = run.random(n);
      float[] bias = run.random(3);
      float[] residual = run.random(n);
      float[] biasPerSample = new float[6];
      for (int i = 0; i < 6; i++) {
        biasPerSample[i] = bias[i % 3];
      }
      for (boolean withBias : new boolean[] {true, false}) {
        for (boolean withResidual : new boolean[] {true, false}) {
          long y = run.put(y0);
          new Kernels(run.launcher).biasResidual(y, withBias ? run.put(bias) : 0, withResidual ? run.put(residual) : 0,
              n, 3, 37);
          Tensor want = run.tensor(y0, 2, 3, 37);
          if (withBias) {
            want = run.ref.addPerChannel(want, run.tensor(biasPerSample, 2, 3));
          }
          if (withResidual) {
            want = run.ref.add(want, run.tensor(residual, 2, 3, 37));
          }
          run.assertClose(run.host(want), run.get(y, n), "bias " + withBias + ", residual " + withResidual);
        }
      }
    }
  }
}
