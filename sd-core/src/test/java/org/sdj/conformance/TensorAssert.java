package org.sdj.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The project's tolerances for float32 implementations against the float64 oracles. */
public final class TensorAssert {
  /** Relative L2 error allowed for tensors of float32 implementations. */
  public static final double TENSOR_REL_L2 = Tolerances.FLOAT32.tensorRelL2();
  /** Largest per-pixel difference allowed for images in [0, 1]. */
  public static final double IMAGE_ABS = Tolerances.FLOAT32.imageAbs();

  private TensorAssert() {}

  /** {@code ||actual - expected|| / ||expected||}. */
  public static double relativeL2(float[] actual, float[] expected) {
    assertEquals(expected.length, actual.length, "element count");
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < expected.length; i++) {
      double d = (double) actual[i] - expected[i];
      diff += d * d;
      norm += (double) expected[i] * expected[i];
    }
    return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
  }

  /** Fails unless {@code actual} is within {@link #TENSOR_REL_L2} of {@code expected} (and free of NaN). */
  public static void assertTensorClose(float[] actual, float[] expected, String what) {
    assertTensorClose(actual, expected, what, Tolerances.FLOAT32);
  }

  /** Fails unless {@code actual} is within {@code tolerances}' relative L2 error of {@code expected}. */
  public static void assertTensorClose(float[] actual, float[] expected, String what, Tolerances tolerances) {
    double err = relativeL2(actual, expected);
    if (Boolean.getBoolean("sdj.printErrors")) {
      // For the figures of an issue's note: -Dsdj.printErrors=true prints each comparison's error.
      System.out.println("relative L2 " + what + ": " + err);
    }
    if (!(err <= tolerances.tensorRelL2())) {
      fail(what + ": relative L2 error " + err + " exceeds " + tolerances.tensorRelL2());
    }
  }

  /** Fails unless every element of {@code actual} is within {@link #IMAGE_ABS} of {@code expected}. */
  public static void assertImageClose(float[] actual, float[] expected, String what) {
    assertImageClose(actual, expected, what, Tolerances.FLOAT32);
  }

  /** Fails unless every element of {@code actual} is within {@code tolerances}' image difference of {@code expected}. */
  public static void assertImageClose(float[] actual, float[] expected, String what, Tolerances tolerances) {
    assertEquals(expected.length, actual.length, what + ": element count");
    double worst = 0;
    int at = -1;
    for (int i = 0; i < expected.length; i++) {
      double d = Math.abs((double) actual[i] - expected[i]);
      if (!(d <= worst)) {
        worst = d;
        at = i;
      }
    }
    if (!(worst <= tolerances.imageAbs())) {
      fail(what + ": pixel " + at + " differs by " + worst + " (> " + tolerances.imageAbs() + ")");
    }
  }
}
