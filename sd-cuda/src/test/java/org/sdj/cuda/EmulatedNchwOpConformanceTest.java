package org.sdj.cuda;

/**
 * {@link NchwOpConformanceTest} on {@link HostDevice}: the NCHW paths of every image op, without a GPU (the suite's
 * defaults take the channels-last ones).
 */
class EmulatedNchwOpConformanceTest extends EmulatedCudaOpConformanceTest {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withChannelsLast(false);
  }
}
