package org.sdj.backend;

import org.sdj.backend.reference.ReferenceBackend;

/** Runs the conformance harness on the reference backend itself: a check of the harness and of determinism. */
class ReferenceConformanceTest extends OpConformanceTest {
  @Override
  protected Backend backend() {
    return new ReferenceBackend();
  }
}
