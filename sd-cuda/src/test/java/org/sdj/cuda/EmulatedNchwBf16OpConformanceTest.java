package org.sdj.cuda;

import org.sdj.backend.DType;

/** {@link EmulatedBf16OpConformanceTest} with NCHW images: the bfloat16 kernels of the row-major image paths. */
class EmulatedNchwBf16OpConformanceTest extends EmulatedBf16OpConformanceTest {
  @Override
  CudaOptions options() {
    return super.options().withChannelsLast(false);
  }
}
