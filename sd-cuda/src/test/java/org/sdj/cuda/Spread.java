package org.sdj.cuda;

import java.util.Arrays;
import java.util.Locale;

/** The median and extremes of repeated timings, for the GPU benchmarks' reports. */
record Spread(double median, double min, double max, int rounds) {
  /** The spread of {@code millis}, one figure per round. */
  static Spread of(double[] millis) {
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return new Spread(median, sorted[0], sorted[n - 1], n);
  }

  /** {@code "8.918 ms (min 8.901, max 8.950 over 5 rounds)"} with {@code digits} decimals. */
  String format(int digits) {
    String f = "%." + digits + "f";
    return String.format(Locale.ROOT, f + " ms (min " + f + ", max " + f + " over %d rounds)", median, min, max,
        rounds);
  }
}
