package org.sdj.scheduler;

/**
 * The beta distribution's quantile ({@code scipy.stats.beta.ppf}), for diffusers' {@code use_beta_sigmas} and
 * AUTOMATIC1111's Beta schedule (Lee et al., "Beta Sampling is All You Need"): the regularized incomplete beta
 * function by its continued fraction (modified Lentz), inverted by bisection to the last bits of a double.
 */
final class BetaDistribution {
  private static final double TINY = 1e-300;
  private static final double EPSILON = 1e-16;
  /** Lanczos's coefficients for g = 7, nine terms: log-gamma to about 15 digits. */
  private static final double[] LANCZOS = {0.99999999999980993, 676.5203681218851, -1259.1392167224028,
      771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
      1.5056327351493116e-7};

  private BetaDistribution() {}

  /** The {@code x} below which a {@code Beta(a, b)} variable falls with probability {@code p}, in [0, 1]. */
  static double quantile(double p, double a, double b) {
    if (p <= 0) {
      return 0;
    }
    if (p >= 1) {
      return 1;
    }
    double lo = 0;
    double hi = 1;
    for (int i = 0; i < 200 && hi - lo > 0; i++) {
      double mid = lo + (hi - lo) / 2;
      if (mid == lo || mid == hi) {
        break;
      }
      if (regularized(mid, a, b) < p) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo + (hi - lo) / 2;
  }

  /** The regularized incomplete beta function {@code I_x(a, b)}. */
  static double regularized(double x, double a, double b) {
    if (x <= 0) {
      return 0;
    }
    if (x >= 1) {
      return 1;
    }
    double front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b));
    // The continued fraction converges fast below the mean's neighbourhood; above it, by symmetry.
    return x < (a + 1) / (a + b + 2) ? front * fraction(x, a, b) / a : 1 - front * fraction(1 - x, b, a) / b;
  }

  private static double fraction(double x, double a, double b) {
    double c = 1;
    double d = 1 - (a + b) * x / (a + 1);
    d = 1 / (Math.abs(d) < TINY ? TINY : d);
    double h = d;
    for (int m = 1; m <= 300; m++) {
      int m2 = 2 * m;
      double even = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
      d = 1 + even * d;
      c = 1 + even / c;
      d = 1 / (Math.abs(d) < TINY ? TINY : d);
      c = Math.abs(c) < TINY ? TINY : c;
      h *= d * c;
      double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
      d = 1 + odd * d;
      c = 1 + odd / c;
      d = 1 / (Math.abs(d) < TINY ? TINY : d);
      c = Math.abs(c) < TINY ? TINY : c;
      double step = d * c;
      h *= step;
      if (Math.abs(step - 1) < EPSILON) {
        break;
      }
    }
    return h;
  }

  private static double logBeta(double a, double b) {
    return logGamma(a) + logGamma(b) - logGamma(a + b);
  }

  /** {@code log(Gamma(z))} for {@code z > 0}, by Lanczos's approximation (reflected below 1/2). */
  static double logGamma(double z) {
    if (z < 0.5) {
      return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
    }
    double x = LANCZOS[0];
    double shifted = z - 1;
    for (int i = 1; i < LANCZOS.length; i++) {
      x += LANCZOS[i] / (shifted + i);
    }
    double t = shifted + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(x);
  }
}
