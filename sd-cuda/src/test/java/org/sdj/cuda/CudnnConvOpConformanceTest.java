package org.sdj.cuda;

import org.sdj.backend.Backend;

/**
 * {@link CudaOpConformanceTest} with NCHW images and every convolution on cuDNN ({@link CudaOptions#gemmConvPixels()}
 * 0), so that both of the backend's NCHW convolution paths meet the reference at every shape, small ones included.
 */
class CudnnConvOpConformanceTest extends CudaOpConformanceTest {
  @Override
  protected Backend backend() {
    return new CudaBackend(CudaOptions.defaults().withChannelsLast(false).withGemmConvPixels(0));
  }
}
