package org.sdj;

/** A {@link GenerationRequest} that cannot run on this model: the message says what to change. */
public final class InvalidRequestException extends SdjException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
