package org.sdj.cuda;

import org.sdj.backend.Backend;

/**
 * {@link CudaOpConformanceTest} with channels-last images ({@link CudaOptions#channelsLast()}): rank-4 inputs are
 * uploaded channels-last, so every image op (convolution, group norm, activation, add, per-channel add, upsampling,
 * concat, the token views) runs its channels-last path, and the row-major ops read converted copies.
 */
class ChannelsLastOpConformanceTest extends CudaOpConformanceTest {
  @Override
  protected Backend backend() {
    return new CudaBackend(CudaOptions.defaults().withChannelsLast(true));
  }
}
