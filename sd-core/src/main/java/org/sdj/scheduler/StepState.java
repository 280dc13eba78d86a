package org.sdj.scheduler;

import java.util.function.UnaryOperator;

/** The latents a scheduler keeps from one step of a generation to the next, of one {@link LatentMath}'s kind. */
interface StepState<L> {
  /** Replaces every kept latent by {@code move}'s result for it. */
  void move(UnaryOperator<L> move);
}
