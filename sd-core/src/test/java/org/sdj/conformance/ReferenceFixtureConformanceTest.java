package org.sdj.conformance;

import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;

/** The fixture conformance suite on the reference backend, the oracle of the other backends. */
class ReferenceFixtureConformanceTest extends ConformanceSuite {
  @Override
  protected Backend createBackend() {
    return new ReferenceBackend();
  }
}
