package org.sdj.cuda;

import org.sdj.backend.DType;

/** {@link EmulatedBf16OpConformanceTest} with channels-last images: the bfloat16 channels-last kernels. */
class EmulatedChannelsLastBf16OpConformanceTest extends EmulatedBf16OpConformanceTest {
  @Override
  CudaOptions options() {
    return super.options().withChannelsLast(true);
  }
}
