package org.sdj.scheduler;

import java.util.function.UnaryOperator;

/** Held between the two calls of a Heun step: the first call's derivative and the sample the step started from. */
final class HeunPair<L> implements StepState<L> {
  L firstDerivative;
  L firstSample;

  /** Whether the next call is a step's first: nothing is held. */
  boolean empty() {
    return firstDerivative == null;
  }

  void clear() {
    firstDerivative = null;
    firstSample = null;
  }

  @Override
  public void move(UnaryOperator<L> move) {
    if (firstDerivative != null) {
      firstDerivative = move.apply(firstDerivative);
      firstSample = move.apply(firstSample);
    }
  }
}
