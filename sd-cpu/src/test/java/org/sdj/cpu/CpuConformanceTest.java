package org.sdj.cpu;

import org.sdj.backend.Backend;
import org.sdj.backend.OpConformanceTest;

/** Every op of the CPU backend against the reference backend, with three threads so that tiles really split. */
class CpuConformanceTest extends OpConformanceTest {
  @Override
  protected Backend backend() {
    return new CpuBackend(3);
  }
}
