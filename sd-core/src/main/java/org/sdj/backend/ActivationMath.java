package org.sdj.backend;

/**
 * Scalar definitions of the {@link Activation}s, in double precision, shared by the backends' host-side kernels so
 * that they all compute the same function.
 */
public final class ActivationMath {
  private static final double SQRT_HALF = Math.sqrt(0.5);
  private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

  private ActivationMath() {}

  /** {@code kind} applied to {@code x}. */
  public static double apply(Activation kind, double x) {
    return switch (kind) {
      case SILU -> x * sigmoid(x);
      case GELU -> gelu(x);
      case GELU_TANH -> 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
      case QUICK_GELU -> x * sigmoid(1.702 * x);
      case RELU -> Math.max(x, 0);
      case LEAKY_RELU -> x >= 0 ? x : 0.2 * x;
      case TANH -> Math.tanh(x);
    };
  }

  public static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  /**
   * Exact GELU, {@code 0.5 x (1 + erf(x / sqrt 2))}, written as {@code 0.5 x erfc(-x / sqrt 2)} so that its relative
   * error stays small for negative {@code x}, where the result is tiny.
   */
  public static double gelu(double x) {
    return 0.5 * x * erfc(-x * SQRT_HALF);
  }

  /**
   * The complementary error function, with a relative error below 1.2e-7 everywhere (1.05e-7 measured against
   * Python's {@code math.erfc}). This is the Chebyshev-fitted form {@code t exp(-z^2 + P(t))}, {@code t = 1 / (1 +
   * z/2)}, published in Numerical Recipes as {@code erfcc}.
   */
  public static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    double r = t * Math.exp(-z * z + p);
    return x >= 0 ? r : 2 - r;
  }
}
