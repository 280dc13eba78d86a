package org.sdj.cuda;

/**
 * {@link EmulatedCudaOpConformanceTest} with attention on the mma.sync kernel (flash_attention.cu), which runs where the
 * GPU is not compute capability 9.0: the op suite's attention cases, packed projections included, through the
 * backend's own launch path (the suite's defaults take the Hopper kernel, which the emulator runs too).
 */
class EmulatedMmaOpConformanceTest extends EmulatedCudaOpConformanceTest {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withAttention(CudaOptions.Attention.MMA);
  }
}
