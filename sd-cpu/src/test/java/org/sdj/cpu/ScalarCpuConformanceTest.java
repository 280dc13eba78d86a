package org.sdj.cpu;

import org.sdj.backend.Backend;
import org.sdj.backend.OpConformanceTest;

/** Every op of the CPU backend's scalar path (what runs without the Vector API) against the reference backend. */
class ScalarCpuConformanceTest extends OpConformanceTest {
  @Override
  protected Backend backend() {
    return new CpuBackend(3, SimdProvider.scalar());
  }
}
