package org.sdj.cuda;

import org.sdj.backend.Backend;
import org.sdj.conformance.ConformanceSuite;
import org.sdj.conformance.Tolerances;

/**
 * The fixture conformance suite on the CUDA backend in float16, skipped with the provider's reason where CUDA cannot
 * run. Tolerances for float16:
 *
 * <ul>
 *   <li>relative L2 1e-2 for tensors: each op adds about 5e-4 of float16 rounding ({@link CudaOpConformanceTest}) and
 *       a UNet pass chains about 100 of them; independent roundings add in quadrature, sqrt(100) x 5e-4 = 5e-3, and
 *       1e-2 leaves a factor of 2 for the norms that amplify them;
 *   <li>8/255 per pixel for images: final latents within 1e-2 move decoded pixels by a few 1/255, and the VAE's own
 *       float16 rounding adds about as much again.
 * </ul>
 */
class CudaModelConformanceTest extends ConformanceSuite {
  @Override
  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Override
  protected Tolerances tolerances() {
    return new Tolerances(1e-2, 8.0 / 255);
  }
}
