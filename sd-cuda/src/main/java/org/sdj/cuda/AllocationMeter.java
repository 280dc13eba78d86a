package org.sdj.cuda;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The device memory a backend has allocated itself (weights, activation and replay caches, workspaces), now and at
 * its peak: what PyTorch's {@code max_memory_allocated} counts, where the device's own figure (total minus free) adds
 * the context and the code and buffers that cuBLASLt and cuDNN load into it. Thread-safe.
 */
final class AllocationMeter {
  private final AtomicLong current = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();

  void allocated(long bytes) {
    long now = current.addAndGet(bytes);
    peak.accumulateAndGet(now, Math::max);
  }

  void freed(long bytes) {
    current.addAndGet(-bytes);
  }

  long current() {
    return current.get();
  }

  long peak() {
    return peak.get();
  }

  /** Starts a new peak from what is allocated now. */
  void resetPeak() {
    peak.set(current.get());
  }
}
