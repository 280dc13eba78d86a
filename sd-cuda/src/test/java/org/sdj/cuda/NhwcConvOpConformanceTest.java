package org.sdj.cuda;

import org.sdj.backend.Backend;

/**
 * {@link CudaOpConformanceTest} with every convolution on cuDNN's NHWC algorithms ({@link CudaOptions#nhwcConv()},
 * and no convolution on cuBLASLt), so that the opt-in path meets the reference at every shape.
 */
class NhwcConvOpConformanceTest extends CudaOpConformanceTest {
  @Override
  protected Backend backend() {
    return new CudaBackend(CudaOptions.defaults().withGemmConvPixels(0).withNhwcConv(true));
  }
}
