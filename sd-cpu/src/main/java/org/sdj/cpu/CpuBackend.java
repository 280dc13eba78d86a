package org.sdj.cpu;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;
import org.sdj.backend.reference.ReferenceBackend;

/**
 * The pure-Java CPU backend: a blocked GEMM on a register-tiled micro-kernel (Vector API, or scalar Java where the
 * incubator module is not enabled), convolutions as implicit GEMMs, flash attention, all parallel over output tiles:
 * the calling thread and the threads of one fork-join pool that the backend owns, sized to the machine
 * ({@link Parallel}).
 *
 * <p>Weights stay in their file dtype in the segment they come in (usually a memory-mapped file) and are widened to
 * float32 only in the kernels' packing buffers, so an F16 model takes its file size in memory.
 */
public final class CpuBackend extends ReferenceBackend {
  private static final Thread PROBE = Thread.ofPlatform().unstarted(() -> {});

  private final ForkJoinPool pool;
  private final Simd simd;
  private final Set<CpuWeight> weights = ConcurrentHashMap.newKeySet();

  /** A backend with one worker thread per available processor. */
  public CpuBackend() {
    this(Runtime.getRuntime().availableProcessors());
  }

  /** A backend with {@code threads} worker threads. */
  public CpuBackend(int threads) {
    this(threads, SimdProvider.get());
  }

  /** A backend on the given kernels (tests force the scalar ones with this). */
  CpuBackend(int threads, Simd simd) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    this.pool = new ForkJoinPool(threads);
    this.simd = simd;
  }

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public String description() {
    return "CPU, " + threads() + " threads, " + simd.describe();
  }

  /** Worker threads of the backend's pool. */
  public int threads() {
    return pool.getParallelism();
  }

  /**
   * Keeps the weight's bytes as they are. A segment that only its owner thread may read (a confined arena) is copied
   * to the heap first, because the pool's workers read weights too.
   */
  @Override
  public Tensor weight(WeightData data) {
    checkOpen();
    WeightData shared = data;
    if (!data.data().isAccessibleBy(PROBE)) {
      MemorySegment copy = MemorySegment.ofArray(new byte[Math.toIntExact(data.data().byteSize())]);
      copy.copyFrom(data.data());
      shared = new WeightData(data.name(), data.dtype(), data.shape(), copy);
    }
    CpuWeight w = new CpuWeight(this, shared, weights::remove);
    weights.add(w);
    return w;
  }

  @Override
  public Ops ops() {
    checkOpen();
    return new CpuOps(this, pool, simd);
  }

  @Override
  public void close() {
    super.close();
    for (CpuWeight w : List.copyOf(weights)) {
      w.close();
    }
    pool.shutdown();
  }
}
