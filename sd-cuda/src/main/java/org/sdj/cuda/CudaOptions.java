package org.sdj.cuda;

import org.sdj.backend.BackendHints;
import org.sdj.backend.DType;

/**
 * How a {@link CudaBackend} runs.
 *
 * @param device CUDA device ordinal
 * @param computeType storage type of weights and activations on the device: {@link DType#F16} (the default) or
 *     {@link DType#BF16} (for checkpoints saved in bf16, or models whose activations overflow float16)
 */
public record CudaOptions(int device, DType computeType) {
  public CudaOptions {
    if (device < 0) {
      throw new IllegalArgumentException("CUDA device ordinal " + device + " must be 0 or more");
    }
    if (computeType != DType.F16 && computeType != DType.BF16) {
      throw new IllegalArgumentException("CUDA compute type " + computeType + " must be F16 or BF16");
    }
  }

  /** Device 0, float16. */
  public static CudaOptions defaults() {
    return new CudaOptions(0, DType.F16);
  }

  /**
   * Device 0, in bfloat16 for a model whose weights are mostly bf16 (their values need not fit float16's range) and
   * in float16 for any other.
   */
  public static CudaOptions forModel(BackendHints hints) {
    return defaults().withComputeType(hints.weightDtype().filter(d -> d == DType.BF16).orElse(DType.F16));
  }

  public CudaOptions withDevice(int ordinal) {
    return new CudaOptions(ordinal, computeType);
  }

  public CudaOptions withComputeType(DType type) {
    return new CudaOptions(device, type);
  }
}
