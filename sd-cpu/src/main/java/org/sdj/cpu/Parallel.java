package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Runs independent pieces of work (output tiles, rows, chunks) on the calling thread and the backend's pool, as an
 * OpenMP team does: the caller takes pieces itself from the start while {@code parallelism - 1} pool threads join in
 * as they wake, and all claim pieces from one counter. Waking a parked pool thread takes tens of microseconds on a
 * VM; a caller that only waited (a fork-join invoke) paid that twice per call (to wake a worker, to be woken),
 * 60-70 us for an empty call of four pieces, against microseconds of work per piece in the small products.
 */
final class Parallel {
  /** How many times the caller polls for the last pieces before it parks (tens of microseconds). */
  private static final int SPINS = 2000;

  private Parallel() {}

  /** A range {@code [from, to)} of a chunked loop. */
  @FunctionalInterface
  interface RangeBody {
    void run(int from, int to);
  }

  /** Calls {@code body} for {@code 0 .. count-1}, in parallel, returning when all are done. */
  static void forEach(ForkJoinPool pool, int count, IntConsumer body) {
    if (count <= 0) {
      return;
    }
    int helpers = Math.min(pool.getParallelism() - 1, count - 1);
    // A piece that itself runs a parallel loop on a pool thread runs it there, whole.
    if (helpers <= 0 || ForkJoinTask.getPool() == pool) {
      for (int i = 0; i < count; i++) {
        body.accept(i);
      }
      return;
    }
    Team team = new Team(body, count, Thread.currentThread());
    for (int h = 0; h < helpers; h++) {
      pool.execute(team::work);
    }
    team.work();
    team.await();
  }

  /** Splits {@code [0, total)} into chunks of {@code chunk} elements and runs them in parallel. */
  static void forChunks(ForkJoinPool pool, int total, int chunk, RangeBody body) {
    int count = (total + chunk - 1) / chunk;
    forEach(pool, count, i -> body.run(i * chunk, Math.min(total, (i + 1) * chunk)));
  }

  /** One parallel loop: the pieces, who took which, who finished, the first failure. */
  private static final class Team {
    private final IntConsumer body;
    private final int count;
    private final Thread caller;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private volatile Throwable failure;

    Team(IntConsumer body, int count, Thread caller) {
      this.body = body;
      this.count = count;
      this.caller = caller;
    }

    /** Takes pieces until none is left (a helper that wakes late finds none and returns at once). */
    void work() {
      for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
        try {
          if (failure == null) {
            body.accept(i);
          }
        } catch (Throwable e) {
          if (failure == null) {
            failure = e;
          }
        } finally {
          if (done.incrementAndGet() == count) {
            LockSupport.unpark(caller);
          }
        }
      }
    }

    /** Waits for the pieces others took, then rethrows the first failure of any piece. */
    void await() {
      for (int spin = 0; done.get() < count; spin++) {
        if (spin < SPINS) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
      }
      Throwable e = failure;
      if (e instanceof RuntimeException r) {
        throw r;
      }
      if (e instanceof Error err) {
        throw err;
      }
      if (e != null) {
        throw new IllegalStateException(e);
      }
    }
  }
}
