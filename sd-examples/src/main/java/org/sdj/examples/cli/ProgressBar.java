package org.sdj.examples.cli;

import java.io.PrintWriter;
import java.time.Duration;
import org.sdj.StepEvent;
import org.sdj.StepListener;
import org.sdj.io.hub.DownloadListener;

/**
 * Progress on standard error, of generation steps and of model downloads: a bar redrawn in place on a terminal, one
 * line per step (per tenth of a file) otherwise (logs, CI).
 */
final class ProgressBar implements StepListener, DownloadListener {
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final boolean terminal;
  private String downloading = "";
  private long lastTenth = -1;

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

  @Override
  public synchronized void progress(String file, long done, long total) {
    long tenth = total > 0 ? done * 10 / total : 10;
    if (file.equals(downloading) && (terminal ? done < total && tenth == lastTenth : tenth == lastTenth)) {
      return;
    }
    downloading = file;
    lastTenth = tenth;
    String line = String.format("downloading %s  %.1f of %.1f MB", file, done / 1e6, total / 1e6);
    if (terminal) {
      err.print("\r" + line + "   ");
      if (done >= total) {
        err.println();
      }
    } else {
      err.println(line);
    }
    err.flush();
  }

  private static String format(Duration d) {
    long s = d.toSeconds();
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format("%d:%02d", s / 60, s % 60);
  }
}
