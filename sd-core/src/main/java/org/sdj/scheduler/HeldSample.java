package org.sdj.scheduler;

import java.util.function.UnaryOperator;

/** The sample a two-call step started from, held between its calls (DPM2's first call sets it, its second clears it). */
final class HeldSample<L> implements StepState<L> {
  L sample;

  /** Whether the next call is a step's first: nothing is held. */
  boolean empty() {
    return sample == null;
  }

  @Override
  public void move(UnaryOperator<L> move) {
    if (sample != null) {
      sample = move.apply(sample);
    }
  }
}
