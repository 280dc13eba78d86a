package org.sdj.backend.reference;

import org.sdj.backend.Backend;
import org.sdj.backend.BackendProvider;

/** Provides the {@link ReferenceBackend}: always usable, never preferred. */
public final class ReferenceBackendProvider implements BackendProvider {
  @Override
  public String name() {
    return "reference";
  }

  @Override
  public int priority() {
    return 0;
  }

  @Override
  public Availability availability() {
    return Availability.usable("plain Java, for testing (slow)");
  }

  @Override
  public Backend create() {
    return new ReferenceBackend();
  }
}
