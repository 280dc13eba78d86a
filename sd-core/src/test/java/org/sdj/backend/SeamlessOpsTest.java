package org.sdj.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sdj.backend.reference.ReferenceBackend;

/** {@link SeamlessOps}' circular padding, as torch's {@code padding_mode="circular"} pads. */
class SeamlessOpsTest {
  private static final int H = 3;
  private static final int W = 4;

  /** A 3x3 kernel that picks its top-left tap: with padding 1 the output at (y, x) is the padded input at (y, x). */
  private static float[] topLeftTap() {
    float[] w = new float[9];
    w[0] = 1;
    return w;
  }

  private static float[] run(boolean alongWidth, boolean alongHeight) {
    float[] x = new float[H * W];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
    }
    try (Backend backend = new ReferenceBackend(); Ops ops = SeamlessOps.wrap(backend.ops(), alongWidth,
        alongHeight)) {
      return ops.toHost(ops.conv2d(ops.fromHost(x, 1, 1, H, W), ops.fromHost(topLeftTap(), 1, 1, 3, 3), null,
          Conv2dParams.of(1, 1), null));
    }
  }

  /** The input at ({@code y - 1}, {@code x - 1}), wrapped along the axes that wrap and 0 past the others' edges. */
  private static float[] shifted(boolean alongWidth, boolean alongHeight) {
    float[] out = new float[H * W];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        int sy = y - 1;
        int sx = x - 1;
        if (sy < 0 && alongHeight) {
          sy += H;
        }
        if (sx < 0 && alongWidth) {
          sx += W;
        }
        out[y * W + x] = sy < 0 || sx < 0 ? 0 : sy * W + sx + 1;
      }
    }
    return out;
  }

  @Test
  void wrapsAlongTheAxesAsked() {
    assertArrayEquals(shifted(true, true), run(true, true));
    assertArrayEquals(shifted(true, false), run(true, false));
    assertArrayEquals(shifted(false, true), run(false, true));
    assertArrayEquals(shifted(false, false), run(false, false));
  }

  @Test
  void noAxisIsTheScopeItself() {
    try (Backend backend = new ReferenceBackend(); Ops ops = backend.ops()) {
      assertSame(ops, SeamlessOps.wrap(ops, false, false));
    }
  }

  @Test
  void paddingPastTheSizeIsRefused() {
    try (Backend backend = new ReferenceBackend(); Ops ops = SeamlessOps.wrap(backend.ops(), true, true)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ops.conv2d(
          ops.fromHost(new float[4], 1, 1, 2, 2), ops.fromHost(new float[25], 1, 1, 5, 5), null,
          Conv2dParams.of(1, 3), null));
      assertTrue(e.getMessage().contains("too small for seamless tiling"), e.getMessage());
    }
  }
}
