package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;
import org.sdj.backend.Ops;
import org.sdj.backend.reference.ReferenceBackend;

/**
 * The pure-Java CPU backend: float32 kernels (tiled GEMM, im2col convolution, tiled attention with an online softmax)
 * parallelized over output tiles on one fork-join pool that the backend owns, sized to the machine.
 *
 * <p>Known gap: weights are decoded to float32 heap arrays when wrapped, so F16/BF16 checkpoints take twice their file
 * size in memory; computing on half-precision weights in place comes with the Vector API kernels.
 */
public final class CpuBackend extends ReferenceBackend {
  private final ForkJoinPool pool;

  /** A backend with one worker thread per available processor. */
  public CpuBackend() {
    this(Runtime.getRuntime().availableProcessors());
  }

  /** A backend with {@code threads} worker threads. */
  public CpuBackend(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.pool = new ForkJoinPool(threads);
  }

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public String description() {
    return "CPU, " + threads() + " threads, float32 Java kernels";
  }

  /** Worker threads of the backend's pool. */
  public int threads() {
    return pool.getParallelism();
  }

  @Override
  public Ops ops() {
    checkOpen();
    return new CpuOps(this, pool);
  }

  @Override
  public void close() {
    super.close();
    pool.shutdown();
  }
}
