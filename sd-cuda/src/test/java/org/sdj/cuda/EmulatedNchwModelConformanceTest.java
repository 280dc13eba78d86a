package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link EmulatedModelConformanceTest} with NCHW images ({@link CudaOptions#channelsLast()} off). */
class EmulatedNchwModelConformanceTest extends EmulatedModelConformanceTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults().withChannelsLast(false));
  }
}
