package org.sdj.examples.cli;

import java.io.PrintWriter;
import java.time.Duration;
import org.sdj.StepEvent;
import org.sdj.StepListener;

/**
 * Generation progress on standard error: a bar redrawn in place on a terminal, one line per step otherwise (logs, CI).
 */
final class ProgressBar implements StepListener {
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final boolean terminal;

  ProgressBar(PrintWriter err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  /** Whether standard error is likely a terminal: the JVM has one attached and it is interactive. */
  static boolean stderrIsTerminal() {
    return System.console() != null && System.console().isTerminal();
  }

  @Override
  public void onStep(StepEvent e) {
    double seconds = e.elapsed().toNanos() / 1e9;
    double rate = seconds > 0 ? e.step() / seconds : 0;
    long eta = rate > 0 ? Math.round((e.totalSteps() - e.step()) / rate) : 0;
    String stats = String.format("%d/%d  %.2f it/s  ETA %s", e.step(), e.totalSteps(), rate,
        format(Duration.ofSeconds(eta)));
    if (terminal) {
      int done = e.step() * WIDTH / e.totalSteps();
      err.print("\r[" + "#".repeat(done) + " ".repeat(WIDTH - done) + "] " + stats + "   ");
      if (e.step() == e.totalSteps()) {
        err.println();
      }
    } else {
      err.println("step " + stats);
    }
    err.flush();
  }

  private static String format(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format("%d:%02d", s / 60, s % 60);
  }
}
