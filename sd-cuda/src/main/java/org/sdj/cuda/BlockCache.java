package org.sdj.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * The caching allocator behind activations: a freed block goes back to a list for its size class and the next request
 * of that class takes it, so the steps of a denoising loop reuse the same memory instead of calling cuMemFree (which
 * waits for the device) and cuMemAlloc. All kernels run on one stream, so a block freed after its last use was
 * enqueued can be handed out again at once: stream order puts its next use after the old one.
 *
 * <p>When the device runs out of memory the cache frees its idle blocks and tries once more, except while a CUDA
 * graph is being recorded: the graph may already use those blocks, and freeing waits for the device. Thread-safe.
 */
final class BlockCache implements AutoCloseable {
  /** Small requests round up to 512 bytes (cuBLASLt and cuDNN like 256-byte alignment; cuMemAlloc gives more). */
  private static final long SMALL = 512;
  /** Large requests round up to 2 MiB, the driver's own granule, so that similar sizes share a class. */
  private static final long LARGE = 2L << 20;

  private final DeviceMemory memory;
  /** False while idle blocks must not be freed (a graph capture on the calling thread). */
  private final BooleanSupplier mayFree;
  /** Where blocks handed out count as in use. */
  private final AllocationMeter.Gauge inUseGauge;
  private final TreeMap<Long, ArrayDeque<Long>> idle = new TreeMap<>();
  private final Map<Long, Long> inUse = new HashMap<>();
  private long idleBytes;
  private long usedBytes;
  private long peakBytes;
  private boolean closed;

  BlockCache(DeviceMemory memory) {
    this(memory, () -> true, new AllocationMeter.Gauge());
  }

  BlockCache(DeviceMemory memory, BooleanSupplier mayFree, AllocationMeter.Gauge inUse) {
    this.memory = memory;
    this.mayFree = mayFree;
    this.inUseGauge = inUse;
  }

  /** The size class of a request. */
  static long sizeClass(long bytes) {
    if (bytes <= 0) {
      return SMALL;
    }
    long unit = bytes < LARGE ? SMALL : LARGE;
    return Math.ceilDiv(bytes, unit) * unit;
  }

  /**
   * A block of at least {@code bytes}.
   *
   * @throws CudaException if the device has no room even after the idle blocks are freed
   */
  synchronized long acquire(long bytes) {
    if (closed) {
      throw new IllegalStateException("the CUDA backend's memory is closed");
    }
    long size = sizeClass(bytes);
    ArrayDeque<Long> list = idle.get(size);
    long address;
    if (list != null && !list.isEmpty()) {
      address = list.pop();
      idleBytes -= size;
    } else {
      address = memory.allocate(size);
      if (address == 0 && mayFree.getAsBoolean()) {
        trim();
        address = memory.allocate(size);
      }
      if (address == 0) {
        throw new CudaException("out of GPU memory: " + size + " bytes requested with " + usedBytes
            + " bytes in use by activations; lower the batch size or the image size");
      }
    }
    inUse.put(address, size);
    inUseGauge.add(size);
    usedBytes += size;
    peakBytes = Math.max(peakBytes, usedBytes);
    return address;
  }

  /** Returns a block for reuse. Releasing after {@link #close()} frees nothing twice: the block was freed then. */
  synchronized void release(long address) {
    Long size = inUse.remove(address);
    if (size == null) {
      return;
    }
    usedBytes -= size;
    inUseGauge.add(-size);
    if (closed) {
      return;
    }
    idle.computeIfAbsent(size, s -> new ArrayDeque<>()).push(address);
    idleBytes += size;
  }

  /** Frees every idle block. */
  synchronized void trim() {
    for (ArrayDeque<Long> list : idle.values()) {
      for (long a : list) {
        memory.free(a);
      }
    }
    idle.clear();
    idleBytes = 0;
  }

  synchronized long idleBytes() {
    return idleBytes;
  }

  synchronized long usedBytes() {
    return usedBytes;
  }

  synchronized long peakBytes() {
    return peakBytes;
  }

  /** Frees every block, idle or in use: the backend is closing and no tensor may be used any more. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    trim();
    for (long a : inUse.keySet()) {
      memory.free(a);
    }
    closed = true;
  }
}
