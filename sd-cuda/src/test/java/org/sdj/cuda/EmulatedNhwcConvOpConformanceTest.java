package org.sdj.cuda;

/**
 * {@link NhwcConvOpConformanceTest} on {@link HostDevice}: every convolution on the opt-in NHWC path (the backend's
 * transposes around it and its filter copies in {@code [o, kh, kw, c]}), without a GPU.
 */
class EmulatedNhwcConvOpConformanceTest extends EmulatedCudaOpConformanceTest {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withGemmConvPixels(0).withNhwcConv(true);
  }
}
