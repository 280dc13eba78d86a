package org.sdj.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.sdj.backend.Backend;
import org.sdj.backend.OpConformanceTest;

/**
 * Every op of the CUDA backend against the reference backend. Tolerance: relative L2 2e-3. The device stores every
 * operand and result in float16 (relative rounding error 2^-11, about 4.9e-4 at worst and 2.8e-4 on average), so one
 * op sees the rounding of its inputs, its weights and its output: about sqrt(3) x 2.8e-4 = 5e-4 for pointwise ops, and
 * somewhat more where softmax probabilities are rounded to float16 before the P V product. 2e-3 leaves a factor of 3
 * to 4 above that and is still 100 times below what a wrong index gives.
 */
class CudaOpConformanceTest extends OpConformanceTest {
  static final double F16_OP_TOLERANCE = 2e-3;

  @BeforeAll
  static void needsCuda() {
    CudaTestSupport.assumeCuda();
  }

  @Override
  protected Backend backend() {
    return new CudaBackend(CudaOptions.defaults());
  }

  @Override
  protected double tolerance() {
    return F16_OP_TOLERANCE;
  }
}
