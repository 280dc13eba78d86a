package org.sdj.io.ckpt;

/**
 * A malformed or unsupported pickle, found while unpickling; the unpickler rethrows it as a {@link CkptException}
 * that names the file, the record and the byte offset.
 */
final class PickleError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  PickleError(String message) {
    super(message, null, false, false);
  }
}
