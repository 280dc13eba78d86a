package org.sdj.cuda;

import org.sdj.backend.Backend;

/**
 * {@link CudaOpConformanceTest} with NCHW images ({@link CudaOptions#channelsLast()} off): rank-4 inputs are uploaded
 * row-major, so every image op runs its NCHW path (convolutions on cuDNN's NCHW algorithms or per-image products).
 */
class NchwOpConformanceTest extends CudaOpConformanceTest {
  @Override
  protected Backend backend() {
    return new CudaBackend(CudaOptions.defaults().withChannelsLast(false));
  }
}
