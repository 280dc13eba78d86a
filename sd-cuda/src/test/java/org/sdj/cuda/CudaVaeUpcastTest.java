package org.sdj.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.sdj.backend.Backend;
import org.sdj.pipeline.VaeUpcastTest;

/** {@link VaeUpcastTest} on the CUDA backend in float16: the overflowing decode runs again on its bfloat16 sibling. */
class CudaVaeUpcastTest extends VaeUpcastTest {
  @BeforeAll
  static void needsCuda() {
    CudaTestSupport.assumeCuda();
  }

  @Override
  protected Backend float16Backend() {
    return new CudaBackend(CudaOptions.defaults());
  }
}
