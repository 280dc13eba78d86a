package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.cuGetErrorName;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/** Return-code checks for the driver API, cuBLASLt and cuDNN: every call goes through one of these. */
final class Cu {
  private Cu() {}

  /** @throws CudaException unless {@code rc} is CUDA_SUCCESS */
  static void check(int rc, String call) {
    if (rc != 0) {
      throw new CudaException(call + " failed: " + errorName(rc) + " (" + rc + ")");
    }
  }

  static String errorName(int rc) {
    try (PointerPointer<BytePointer> name = new PointerPointer<>(1)) {
      if (cuGetErrorName(rc, name) == 0 && name.get(0) != null) {
        return name.getString(0);
      }
    }
    return "CUDA error";
  }

  static void checkBlas(int status, String call) {
    if (status != 0) {
      BytePointer s = cublas.cublasLtGetStatusString(status);
      throw new CudaException(call + " failed: " + (s == null ? "cuBLAS status" : s.getString()) + " (" + status + ")");
    }
  }

  static void checkDnn(int status, String call) {
    if (status != 0) {
      BytePointer s = cudnn.cudnnGetErrorString(status);
      throw new CudaException(call + " failed: " + (s == null ? "cuDNN status" : s.getString()) + " (" + status + ")");
    }
  }
}
