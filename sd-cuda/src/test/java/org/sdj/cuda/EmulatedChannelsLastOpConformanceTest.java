package org.sdj.cuda;

/**
 * {@link ChannelsLastOpConformanceTest} on {@link HostDevice}: the channels-last paths of every image op, and the
 * converted copies the row-major ops read, without a GPU.
 */
class EmulatedChannelsLastOpConformanceTest extends EmulatedCudaOpConformanceTest {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withChannelsLast(true);
  }
}
