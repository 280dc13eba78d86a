package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.cuMemGetInfo;

import org.bytedeco.javacpp.SizeTPointer;

/** Device memory in use, for the GPU benchmarks' reports. */
final class DeviceUse {
  private DeviceUse() {}

  /** Bytes in use on the current context's device, by every process (total minus free). */
  static long bytes() {
    try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
      Cu.check(cuMemGetInfo(free, total), "cuMemGetInfo");
      return total.get() - free.get();
    }
  }
}
