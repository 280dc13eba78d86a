package org.sdj.cuda;

import org.sdj.backend.Backend;

/**
 * {@link ChannelsLastOpConformanceTest} on {@link HostDevice}: the channels-last paths of every image op, and the
 * converted copies the row-major ops read, without a GPU.
 */
class EmulatedChannelsLastOpConformanceTest extends EmulatedCudaOpConformanceTest {
  @Override
  protected Backend backend() {
    return HostDevice.backend(CudaOptions.defaults().withChannelsLast(true));
  }
}
