package org.sdj.image;

import java.nio.file.Path;
import org.sdj.SdjException;

/** An image file that cannot be read or written: missing, unreadable, of an unsupported format, damaged or too big. */
public final class ImageFileException extends SdjException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public ImageFileException(Path file, String problem) {
    super("Image file " + file + ": " + problem);
    this.file = file;
  }

  public ImageFileException(Path file, String problem, Throwable cause) {
    super("Image file " + file + ": " + problem, cause);
    this.file = file;
  }

  /** The file the problem is about. */
  public Path file() {
    return file;
  }
}
