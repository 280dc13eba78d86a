package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaModelConformanceTest} with channels-last images ({@link CudaOptions#channelsLast()}), same tolerances. */
class ChannelsLastModelConformanceTest extends CudaModelConformanceTest {
  @Override
  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults().withChannelsLast(true));
  }
}
