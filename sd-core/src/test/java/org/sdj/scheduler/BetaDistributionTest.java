package org.sdj.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The beta quantile against {@code scipy.stats.beta.ppf} (SciPy 1.17.1's values). */
class BetaDistributionTest {
  @ParameterizedTest(name = "ppf({0}; 0.6, 0.6) and ppf({0}; 2, 0.5)")
  @CsvSource({"0.0, 0.0, 0.0", "1e-09, 1.85588246249141e-15, 5.1639333501640724e-05",
      "0.05, 0.012554456873611399, 0.3416278461356511", "0.2, 0.12292175045833292, 0.629849697131921",
      "0.5, 0.5000000000000001, 0.8793852415718169", "0.73, 0.8015855257954435, 0.9668724148961386",
      "0.999, 0.9999814412614826, 0.9999995555554239", "1.0, 1.0, 1.0"})
  void matchesScipy(double p, double symmetric, double skewed) {
    assertEquals(symmetric, BetaDistribution.quantile(p, 0.6, 0.6), 1e-12 + 1e-10 * symmetric);
    assertEquals(skewed, BetaDistribution.quantile(p, 2.0, 0.5), 1e-12 + 1e-10 * skewed);
  }
}
