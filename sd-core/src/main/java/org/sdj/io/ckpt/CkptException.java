package org.sdj.io.ckpt;

import java.nio.file.Path;
import org.sdj.SdjException;

/** A PyTorch checkpoint that cannot be read or converted; the message names the file and says what is wrong. */
public class CkptException extends SdjException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  CkptException(Path file, String detail) {
    this(file, detail, null);
  }

  CkptException(Path file, String detail, Throwable cause) {
    super(file + ": " + detail, cause);
    this.file = file;
  }

  /** The checkpoint concerned. */
  public Path file() {
    return file;
  }
}
