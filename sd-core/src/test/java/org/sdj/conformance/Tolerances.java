package org.sdj.conformance;

/**
 * How close a backend must come to the float64 oracles.
 *
 * @param tensorRelL2 relative L2 error allowed for tensors
 * @param imageAbs largest per-pixel difference allowed for images in [0, 1]
 */
public record Tolerances(double tensorRelL2, double imageAbs) {
  /** The project's tolerances for float32 implementations. */
  public static final Tolerances FLOAT32 = new Tolerances(1e-4, 2.0 / 255);
}
