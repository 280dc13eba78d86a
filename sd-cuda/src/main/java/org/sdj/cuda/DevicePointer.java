package org.sdj.cuda;

import org.bytedeco.javacpp.Pointer;

/** A device address in the shape JavaCPP's bindings take (cuBLASLt, cuDNN); it owns nothing. */
final class DevicePointer extends Pointer {
  DevicePointer(long address) {
    this.address = address;
  }
}
