package org.sdj.bench.torch;

import org.sdj.backend.Backend;
import org.sdj.backend.OpConformanceTest;

/** The baseline computes what sdj computes: every op of the libtorch backend against the reference backend. */
class TorchConformanceTest extends OpConformanceTest {
  @Override
  protected Backend backend() {
    return new TorchBackend(2);
  }

  /** Torch's GELU and attention kernels round differently from the float64 reference, within float32 noise. */
  @Override
  protected double tolerance() {
    return 1e-4;
  }
}
