package org.sdj.cuda;

import org.sdj.SdjException;

/** A CUDA, cuBLASLt or cuDNN call failed; the message names the call and the library's error. */
public final class CudaException extends SdjException {
  public CudaException(String message) {
    super(message);
  }

  public CudaException(String message, Throwable cause) {
    super(message, cause);
  }
}
