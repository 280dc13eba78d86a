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
    Split task = new Split(body, 0, count);
    if (ForkJoinTask.getPool() == pool) {
      task.invoke();
    } else {
      pool.invoke(task);
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
