package org.sdj.scheduler;

/** Gaussian elimination with partial pivoting for the tiny systems of UniPC's coefficients (at most 3 x 3). */
final class LinearSolve {
  private LinearSolve() {}

  /** Solves the leading {@code n x n} block of {@code a} against the first {@code n} entries of {@code b}. */
  static double[] solve(double[][] a, double[] b, int n) {
    double[][] m = new double[n][n + 1];
    for (int i = 0; i < n; i++) {
      System.arraycopy(a[i], 0, m[i], 0, n);
      m[i][n] = b[i];
    }
    for (int col = 0; col < n; col++) {
      int pivot = col;
      for (int row = col + 1; row < n; row++) {
        if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) {
          pivot = row;
        }
      }
      double[] swap = m[col];
      m[col] = m[pivot];
      m[pivot] = swap;
      for (int row = col + 1; row < n; row++) {
        double factor = m[row][col] / m[col][col];
        for (int k = col; k <= n; k++) {
          m[row][k] -= factor * m[col][k];
        }
      }
    }
    double[] x = new double[n];
    for (int row = n - 1; row >= 0; row--) {
      double sum = m[row][n];
      for (int k = row + 1; k < n; k++) {
        sum -= m[row][k] * x[k];
      }
      x[row] = sum / m[row][row];
    }
    return x;
  }
}
