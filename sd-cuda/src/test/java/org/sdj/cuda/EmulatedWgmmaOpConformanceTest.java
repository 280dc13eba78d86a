package org.sdj.cuda;

/**
 * {@link EmulatedCudaOpConformanceTest} with attention on the Hopper kernel's pipelined loop (flash_attention_wgmma.cu,
 * wgmma modelled by the CPU emulator): the op suite's attention cases, packed projections included, through the
 * backend's own launch path; the head sizes the kernel lacks run on the mma.sync kernel as on a GPU.
 */
class EmulatedWgmmaOpConformanceTest extends EmulatedCudaOpConformanceTest {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withAttention(CudaOptions.Attention.WGMMA_PIPELINED);
  }
}
