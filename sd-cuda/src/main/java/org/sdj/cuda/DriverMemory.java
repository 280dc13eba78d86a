package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.CUDA_ERROR_OUT_OF_MEMORY;
import static org.bytedeco.cuda.global.cudart.cuMemAlloc;
import static org.bytedeco.cuda.global.cudart.cuMemFree;

/** {@link DeviceMemory} through the driver API, in the backend's context. */
final class DriverMemory implements DeviceMemory {
  @Override
  public long allocate(long bytes) {
    long[] address = new long[1];
    int rc = cuMemAlloc(address, bytes);
    if (rc == CUDA_ERROR_OUT_OF_MEMORY) {
      return 0;
    }
    Cu.check(rc, "cuMemAlloc(" + bytes + ")");
    return address[0];
  }

  @Override
  public void free(long address) {
    Cu.check(cuMemFree(address), "cuMemFree");
  }
}
