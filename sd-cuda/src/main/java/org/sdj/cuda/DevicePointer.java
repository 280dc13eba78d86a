package org.sdj.cuda;

import org.bytedeco.javacpp.Pointer;

/**
 * An address in the shape JavaCPP's bindings take: device memory (cuBLASLt, cuDNN), or host memory that something else
 * owns (kernel parameter slots, an aligned tensor map); it owns nothing.
 */
final class DevicePointer extends Pointer {
  DevicePointer(long address) {
    this.address = address;
  }
}
