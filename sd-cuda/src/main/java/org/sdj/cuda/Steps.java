package org.sdj.cuda;

import java.util.List;

/** Teardown that goes on past failures: a kernel fault leaves a CUDA context failing every call after it. */
final class Steps {
  private Steps() {}

  /** Runs every step, even after one fails; rethrows the first failure, the later ones suppressed in it. */
  static void runAll(List<Runnable> steps) {
    RuntimeException first = null;
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
