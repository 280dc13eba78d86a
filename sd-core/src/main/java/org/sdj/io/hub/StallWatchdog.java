package org.sdj.io.hub;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/**
 * Closes a response body that has delivered nothing for a whole time-out. The HTTP client's own time-out ends when the
 * headers arrive; without this a server that stops sending mid-file would block the reader for ever.
 */
final class StallWatchdog implements AutoCloseable {
  private final long timeoutNanos;
  private final Thread thread;
  private volatile long lastProgress = System.nanoTime();
  private volatile boolean stalled;

  StallWatchdog(Closeable body, Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
    this.thread = Thread.ofVirtual().name("sdj-hub-watchdog").start(() -> watch(body));
  }

  /** Data arrived: the time-out starts again. */
  void progressed() {
    lastProgress = System.nanoTime();
  }

  /** Whether the body was closed for lack of data. */
  boolean stalled() {
    return stalled;
  }

  @Override
  public void close() {
    thread.interrupt();
  }

  private void watch(Closeable body) {
    try {
      while (true) {
        long idle = System.nanoTime() - lastProgress;
        if (idle >= timeoutNanos) {
          stalled = true;
          body.close();
          return;
        }
        Thread.sleep(Duration.ofNanos(timeoutNanos - idle));
      }
    } catch (InterruptedException | IOException e) {
      // Interrupted: the transfer is over. A failing close: the reader fails on its own.
    }
  }
}
