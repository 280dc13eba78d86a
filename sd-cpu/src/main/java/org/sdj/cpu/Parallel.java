package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/** Runs independent pieces of work (output tiles, rows, chunks) on the backend's pool. */
final class Parallel {
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
    if (count == 1 || pool.getParallelism() == 1) {
      for (int i = 0; i < count; i++) {
        body.accept(i);
      }
      return;
    }
    if (ForkJoinTask.getPool() == pool) {
      new Split(body, 0, count).invoke();
    } else if (count <= pool.getParallelism()) {
      // No more pieces than workers: the caller, which would only wait, runs the first one itself. That is one
      // worker fewer to wake (each wake-up costs tens of microseconds, much of a small product's time) and never
      // more busy threads than the pool's parallelism.
      ForkJoinTask<Void> rest = pool.submit(new Split(body, 1, count));
      try {
        body.accept(0);
      } catch (RuntimeException | Error e) {
        // The other pieces still write into the caller's arrays: wait for them before the failure goes up.
        try {
          rest.join();
        } catch (RuntimeException | Error other) {
          e.addSuppressed(other);
        }
        throw e;
      }
      rest.join();
    } else {
      pool.invoke(new Split(body, 0, count));
    }
  }

  /** Splits {@code [0, total)} into chunks of {@code chunk} elements and runs them in parallel. */
  static void forChunks(ForkJoinPool pool, int total, int chunk, RangeBody body) {
    int count = (total + chunk - 1) / chunk;
    forEach(pool, count, i -> body.run(i * chunk, Math.min(total, (i + 1) * chunk)));
  }

  private static final class Split extends RecursiveAction {
    private static final long serialVersionUID = 1L;
    private final transient IntConsumer body;
    private final int from;
    private final int to;

    Split(IntConsumer body, int from, int to) {
      this.body = body;
      this.from = from;
      this.to = to;
    }

    @Override
    protected void compute() {
      if (to - from == 1) {
        body.accept(from);
      } else {
        int mid = (from + to) >>> 1;
        invokeAll(new Split(body, from, mid), new Split(body, mid, to));
      }
    }
  }
}
