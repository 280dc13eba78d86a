package org.sdj.cuda;

/**
 * {@link CudnnConvOpConformanceTest} on {@link HostDevice}: every convolution on the cuDNN path (its NCHW layouts,
 * the host computing what cuDNN would), none on GEMMs.
 */
class EmulatedCudnnConvOpConformanceTest extends EmulatedCudaOpConformanceTest {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withChannelsLast(false).withGemmConvPixels(0);
  }
}
