package org.sdj.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link DeviceMemory} of {@link HostDevice}: native host allocations (C's aligned_alloc and free), 256-byte aligned
 * as cuMemAlloc's are, counted on the backend's {@link AllocationMeter} as {@link DriverMemory} counts. A new block
 * is filled with 0xff bytes, a NaN in every float type, so that reading what no op wrote shows in a result (device
 * memory starts with whatever was there).
 */
final class HostMemory implements DeviceMemory {
  private static final long ALIGNMENT = 256;
  private static final MethodHandle ALIGNED_ALLOC;
  private static final MethodHandle FREE;

  static {
    Linker linker = Linker.nativeLinker();
    var libc = linker.defaultLookup();
    ALIGNED_ALLOC = linker.downcallHandle(libc.findOrThrow("aligned_alloc"),
        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    FREE = linker.downcallHandle(libc.findOrThrow("free"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
  }

  private final AllocationMeter meter;
  private final boolean direct;
  private final Map<Long, Long> sizes = new ConcurrentHashMap<>();

  /** Memory for a cache ({@code direct} false, which counts its blocks in use itself) or used directly. */
  HostMemory(AllocationMeter meter, boolean direct) {
    this.meter = meter;
    this.direct = direct;
  }

  @Override
  public long allocate(long bytes) {
    // aligned_alloc wants a multiple of the alignment.
    long size = Math.ceilDiv(Math.max(1, bytes), ALIGNMENT) * ALIGNMENT;
    long address;
    try {
      address = ((MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, size)).address();
    } catch (Throwable t) {
      throw new IllegalStateException("aligned_alloc failed", t);
    }
    if (address == 0) {
      return 0;
    }
    MemorySegment.ofAddress(address).reinterpret(size).fill((byte) 0xff);
    sizes.put(address, bytes);
    meter.reserved().add(bytes);
    if (direct) {
      meter.inUse().add(bytes);
    }
    return address;
  }

  @Override
  public void free(long address) {
    Long bytes = sizes.remove(address);
    if (bytes == null) {
      throw new IllegalStateException("free of " + Long.toHexString(address) + ", which this memory did not allocate"
          + " or has freed already");
    }
    try {
      FREE.invokeExact(MemorySegment.ofAddress(address));
    } catch (Throwable t) {
      throw new IllegalStateException("free failed", t);
    }
    meter.reserved().add(-bytes);
    if (direct) {
      meter.inUse().add(-bytes);
    }
  }

  /** Blocks still allocated: 0 once everything made on this memory is freed. */
  int live() {
    return sizes.size();
  }
}
