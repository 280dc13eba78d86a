package org.sdj.cpu;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;
import org.sdj.backend.Backend;
import org.sdj.backend.OpConformanceTest;

/**
 * Every op of the CPU backend against the reference backend, with three threads so that tiles really split. Surefire
 * runs with the Vector API module, so this is the fast path; {@link ScalarCpuConformanceTest} covers the other.
 */
class CpuConformanceTest extends OpConformanceTest {
  @Override
  protected Backend backend() {
    return new CpuBackend(3);
  }

  @Test
  void theVectorKernelsRun() {
    assertInstanceOf(VectorSimd.class, SimdProvider.get());
  }
}
