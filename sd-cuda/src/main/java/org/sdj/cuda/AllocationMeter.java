package org.sdj.cuda;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Device memory of one backend, in the two figures PyTorch reports: what is in use (weights and the blocks that
 * tensors, workspaces and replays hold: {@code torch.cuda.max_memory_allocated}) and what is reserved from the driver
 * (that plus the caches' idle blocks: {@code max_memory_reserved}), now and at their peaks. The device's own figure
 * (total minus free) adds the context and the code and buffers that cuBLASLt and cuDNN load into it. Thread-safe.
 */
final class AllocationMeter {
  private final Gauge inUse = new Gauge();
  private final Gauge reserved = new Gauge();

  /** A byte count with its peak. */
  static final class Gauge {
    private final AtomicLong current = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    void add(long bytes) {
      long now = current.addAndGet(bytes);
      peak.accumulateAndGet(now, Math::max);
    }

    long current() {
      return current.get();
    }

    long peak() {
      return peak.get();
    }

    void resetPeak() {
      peak.set(current.get());
    }
  }

  Gauge inUse() {
    return inUse;
  }

  Gauge reserved() {
    return reserved;
  }

  /** Starts new peaks from the figures now. */
  void resetPeaks() {
    inUse.resetPeak();
    reserved.resetPeak();
  }
}
