package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link EmulatedModelConformanceTest} with channels-last images ({@link CudaOptions#channelsLast()}). */
class EmulatedChannelsLastModelConformanceTest extends EmulatedModelConformanceTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults().withChannelsLast(true));
  }
}
