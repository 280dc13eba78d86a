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
 * freed from any thread (and a virtual thread may resume on another carrier). Every block counts as reserved on the
 * backend's {@link AllocationMeter}, and as in use too where no cache stands between (weights).
 */
final class DriverMemory implements DeviceMemory {
  private final CUctx_st context;
  private final AllocationMeter meter;
  private final boolean direct;
  private final Map<Long, Long> sizes = new ConcurrentHashMap<>();

  /** Memory for a cache ({@code direct} false, which counts its blocks in use itself) or used directly. */
  DriverMemory(CUctx_st context, AllocationMeter meter, boolean direct) {
    this.context = context;
    this.meter = meter;
    this.direct = direct;
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
    meter.reserved().add(bytes);
    if (direct) {
      meter.inUse().add(bytes);
    }
    return address[0];
  }

  @Override
  public void free(long address) {
    Cu.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    Cu.check(cuMemFree(address), "cuMemFree");
    Long bytes = sizes.remove(address);
    if (bytes != null) {
      meter.reserved().add(-bytes);
      if (direct) {
        meter.inUse().add(-bytes);
      }
    }
  }
}
