package org.sdj.cpu;

import org.sdj.backend.Backend;
import org.sdj.conformance.ConformanceSuite;

/** The fixture conformance suite on the CPU backend. */
class CpuFixtureConformanceTest extends ConformanceSuite {
  @Override
  protected Backend createBackend() {
    return new CpuBackend();
  }
}
