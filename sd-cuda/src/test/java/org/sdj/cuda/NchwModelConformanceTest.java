package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaModelConformanceTest} with NCHW images ({@link CudaOptions#channelsLast()} off), same tolerances. */
class NchwModelConformanceTest extends CudaModelConformanceTest {
  @Override
  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults().withChannelsLast(false));
  }
}
