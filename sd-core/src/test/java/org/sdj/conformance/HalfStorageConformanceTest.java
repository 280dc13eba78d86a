package org.sdj.conformance;

import org.sdj.backend.Backend;
import org.sdj.backend.HalfStorageBackend;

/**
 * The fixture suite on float16 storage (weights and activations rounded as the CUDA backend stores them, latents in
 * float32), within the CUDA suite's float16 tolerances: a prediction, without a GPU, that storage precision alone
 * leaves the CUDA backend room to pass.
 */
class HalfStorageConformanceTest extends ConformanceSuite {
  @Override
  protected Backend createBackend() {
    return new HalfStorageBackend();
  }

  @Override
  protected Tolerances tolerances() {
    return new Tolerances(1e-2, 8.0 / 255);
  }
}
