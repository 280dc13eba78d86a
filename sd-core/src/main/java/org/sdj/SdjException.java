package org.sdj;

/** Base of every exception sdj throws on purpose: bad input, unusable files, unsupported models, cancelled work. */
public class SdjException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SdjException(String message) {
    super(message);
  }

  public SdjException(String message, Throwable cause) {
    super(message, cause);
  }
}
