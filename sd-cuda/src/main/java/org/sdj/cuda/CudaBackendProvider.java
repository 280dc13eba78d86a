package org.sdj.cuda;

import org.sdj.backend.Backend;
import org.sdj.backend.BackendHints;
import org.sdj.backend.BackendProvider;
import org.sdj.SdjException;

/**
 * Provides the {@link CudaBackend} ({@code cuda}), preferred over the CPU when a GPU, its driver, cuBLAS 13, cuDNN 9
 * and sdj's kernels are all present; otherwise {@link #availability()} names the one missing, and {@code auto} falls
 * back to the CPU with that reason logged.
 */
public final class CudaBackendProvider implements BackendProvider {
  private static volatile Availability probed;

  @Override
  public String name() {
    return "cuda";
  }

  @Override
  public int priority() {
    return 200;
  }

  /** Probed once per JVM: loading the native libraries is not repeatable anyway. */
  @Override
  public Availability availability() {
    Availability a = probed;
    if (a == null) {
      synchronized (CudaBackendProvider.class) {
        if (probed == null) {
          probed = CudaProbe.probe(0);
        }
        a = probed;
      }
    }
    return a;
  }

  @Override
  public Backend create() {
    return create(BackendHints.none());
  }

  /** A backend in bfloat16 for a bf16 checkpoint, in float16 otherwise ({@link CudaOptions#forModel}). */
  @Override
  public Backend create(BackendHints hints) {
    Availability a = availability();
    if (!a.usable()) {
      throw new SdjException("the CUDA backend cannot run here: " + a.reason());
    }
    return new CudaBackend(CudaOptions.forModel(hints));
  }
}
