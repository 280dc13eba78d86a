package org.sdj;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Cancels a generation from any thread. The generation stops at its next step boundary and ends with a
 * {@link GenerationCancelledException}; its memory is freed on the way out.
 */
public final class CancellationToken {
  private final AtomicBoolean cancelled = new AtomicBoolean();

  /** Asks the generations holding this token to stop. */
  public void cancel() {
    cancelled.set(true);
  }

  public boolean isCancelled() {
    return cancelled.get();
  }
}
