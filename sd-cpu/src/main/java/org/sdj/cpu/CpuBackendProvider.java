package org.sdj.cpu;

import org.sdj.backend.Backend;
import org.sdj.backend.BackendProvider;

/** Provides the {@link CpuBackend}: usable everywhere, preferred over the reference backend. */
public final class CpuBackendProvider implements BackendProvider {
  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public Availability availability() {
    return Availability.usable("CPU, " + Runtime.getRuntime().availableProcessors() + " threads, "
        + SimdProvider.get().describe());
  }

  @Override
  public Backend create() {
    return new CpuBackend();
  }
}
