package org.sdj.cuda;

import org.sdj.backend.BackendHints;
import org.sdj.backend.DType;

/**
 * How a {@link CudaBackend} runs.
 *
 * @param device CUDA device ordinal
 * @param computeType storage type of weights and activations on the device: {@link DType#F16} (the default) or
 *     {@link DType#BF16} (for checkpoints saved in bf16, or models whose activations overflow float16)
 * @param graphs whether a denoising step's UNet is recorded into a CUDA graph and replayed ({@link CudaBackend#replay});
 *     on by default, off to run every op by itself (to compare, or to profile op by op)
 */
public record CudaOptions(int device, DType computeType, boolean graphs) {
  public CudaOptions {
    if (device < 0) {
      throw new IllegalArgumentException("CUDA device ordinal " + device + " must be 0 or more");
    }
    if (computeType != DType.F16 && computeType != DType.BF16) {
      throw new IllegalArgumentException("CUDA compute type " + computeType + " must be F16 or BF16");
    }
  }

  /** Device 0, float16, CUDA graphs. */
  public static CudaOptions defaults() {
    return new CudaOptions(0, DType.F16, true);
  }

  /**
   * Device 0, in bfloat16 for a model whose weights are mostly bf16 (their values need not fit float16's range) and
   * in float16 for any other.
   */
  public static CudaOptions forModel(BackendHints hints) {
    return defaults().withComputeType(hints.weightDtype().filter(d -> d == DType.BF16).orElse(DType.F16));
  }

  public CudaOptions withDevice(int ordinal) {
    return new CudaOptions(ordinal, computeType, graphs);
  }

  public CudaOptions withComputeType(DType type) {
    return new CudaOptions(device, type, graphs);
  }

  public CudaOptions withGraphs(boolean on) {
    return new CudaOptions(device, computeType, on);
  }
}
