package org.sdj.cuda;

import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.HalfStorageBackend;

/**
 * {@link Bf16OpConformanceTest} on {@link HostDevice}: the bfloat16 kernels and storage, against the reference ops on
 * bfloat16 storage, at that test's tolerance.
 */
class EmulatedBf16OpConformanceTest extends EmulatedCudaOpConformanceTest {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withComputeType(DType.BF16);
  }

  @Override
  protected Backend referenceBackend() {
    return new HalfStorageBackend(DType.BF16);
  }

  @Override
  protected double tolerance() {
    return HostRun.BF16_OP_TOLERANCE;
  }
}
