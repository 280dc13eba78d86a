package org.sdj;

/** A generation was cancelled, through its {@link CancellationToken} or by its {@link StepListener}. */
public final class GenerationCancelledException extends SdjException {
  private static final long serialVersionUID = 1L;

  public GenerationCancelledException(int step, int total) {
    super("generation cancelled after step " + step + " of " + total);
  }
}
