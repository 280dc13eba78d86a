package org.sdj.cuda;

import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.HalfStorageBackend;

/**
 * {@link CudaOpConformanceTest} in bfloat16, the compute type of bf16 checkpoints, against the reference ops on
 * bfloat16 storage ({@link HalfStorageBackend}) rather than exact ones: bfloat16's 8 significant bits make the rounding
 * of inputs, weights and results alone swing a relative error from case to case (on the CPU, one seed took a
 * one-output convolution whose terms cancel to 0.27), so both sides round where the backend stores, and what is
 * measured is the kernels' own arithmetic. Tolerance: relative L2 8e-3. The kernels accumulate in float32, so the
 * largest difference they may add is attention's probabilities rounded to bfloat16 before the P V product, at most
 * 2^-9 each (about 1.1e-3 relative on average); 8e-3 leaves a factor of 7, and one result element landing on the
 * other side of a bfloat16 rounding boundary costs at most 2^-8 = 3.9e-3.
 */
class Bf16OpConformanceTest extends CudaOpConformanceTest {
  @Override
  protected Backend backend() {
    return new CudaBackend(CudaOptions.defaults().withComputeType(DType.BF16));
  }

  @Override
  protected Backend referenceBackend() {
    return new HalfStorageBackend(DType.BF16);
  }

  @Override
  protected double tolerance() {
    return 8e-3;
  }
}
