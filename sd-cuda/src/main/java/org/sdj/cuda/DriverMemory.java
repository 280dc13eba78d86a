package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.CUDA_ERROR_OUT_OF_MEMORY;
import static org.bytedeco.cuda.global.cudart.cuCtxSetCurrent;
import static org.bytedeco.cuda.global.cudart.cuMemAlloc;
import static org.bytedeco.cuda.global.cudart.cuMemFree;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cudart.CUctx_st;

/**
 * {@link DeviceMemory} through the driver API, in the backend's context: made current first, since a tensor may be
 * freed from any thread (and a virtual thread may resume on another carrier). Every block is counted on the backend's
 * {@link AllocationMeter}.
 */
final class DriverMemory implements DeviceMemory {
  private final CUctx_st context;
  private final AllocationMeter meter;
  private final Map<Long, Long> sizes = new ConcurrentHashMap<>();

  DriverMemory(CUctx_st context, AllocationMeter meter) {
    this.context = context;
    this.meter = meter;
  }

  @Override
  public long allocate(long bytes) {
    Cu.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    long[] address = new long[1];
    int rc = cuMemAlloc(address, bytes);
    if (rc == CUDA_ERROR_OUT_OF_MEMORY) {
      return 0;
    }
    Cu.check(rc, "cuMemAlloc(" + bytes + ")");
    sizes.put(address[0], bytes);
    meter.allocated(bytes);
    return address[0];
  }

  @Override
  public void free(long address) {
    Cu.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    Cu.check(cuMemFree(address), "cuMemFree");
    Long bytes = sizes.remove(address);
    if (bytes != null) {
      meter.freed(bytes);
    }
  }
}
