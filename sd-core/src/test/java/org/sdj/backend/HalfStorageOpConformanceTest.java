package org.sdj.backend;

/**
 * Every op on float16 storage ({@link HalfStorageBackend}) within the CUDA op suite's tolerance (relative L2 2e-3):
 * a prediction, without a GPU, that the rounding of operands, weights and results alone leaves the CUDA kernels room.
 */
class HalfStorageOpConformanceTest extends OpConformanceTest {
  @Override
  protected Backend backend() {
    return new HalfStorageBackend();
  }

  @Override
  protected double tolerance() {
    return 2e-3;
  }
}
