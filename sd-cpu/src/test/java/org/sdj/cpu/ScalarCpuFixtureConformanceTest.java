package org.sdj.cpu;

import org.sdj.backend.Backend;
import org.sdj.conformance.ConformanceSuite;

/** The fixture conformance suite on the CPU backend's scalar path, what runs without the Vector API module. */
class ScalarCpuFixtureConformanceTest extends ConformanceSuite {
  @Override
  protected Backend createBackend() {
    return new CpuBackend(Runtime.getRuntime().availableProcessors(), SimdProvider.scalar());
  }
}
