package org.sdj.backend;

import java.util.concurrent.atomic.AtomicReference;
import org.sdj.backend.reference.ReferenceBackend;

/**
 * A test plug-in ({@code hint-recorder}) that remembers the hints it was last opened with and runs the reference
 * backend; its priority keeps {@code auto} from ever picking it.
 */
public final class HintRecordingProvider implements BackendProvider {
  static final AtomicReference<BackendHints> LAST = new AtomicReference<>();

  @Override
  public String name() {
    return "hint-recorder";
  }

  @Override
  public int priority() {
    return -1000;
  }

  @Override
  public Availability availability() {
    return Availability.usable("records the hints it is opened with");
  }

  @Override
  public Backend create() {
    return create(BackendHints.none());
  }

  @Override
  public Backend create(BackendHints hints) {
    LAST.set(hints);
    return new ReferenceBackend();
  }
}
