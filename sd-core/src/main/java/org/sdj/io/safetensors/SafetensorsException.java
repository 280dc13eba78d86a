package org.sdj.io.safetensors;

import java.nio.file.Path;
import java.util.Optional;
import org.sdj.SdjException;

/** A safetensors file that cannot be read or written; the message names the file and, where there is one, the tensor. */
public class SafetensorsException extends SdjException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String tensor;

  /**
   * @param file the file concerned, or null when none is named
   * @param tensor the tensor concerned, or null for a problem with the whole file
   * @param detail what is wrong and, where possible, what to do
   */
  public SafetensorsException(Path file, String tensor, String detail) {
    this(file, tensor, detail, null);
  }

  SafetensorsException(Path file, String tensor, String detail, Throwable cause) {
    super(describe(file, tensor, detail), cause);
    this.file = file;
    this.tensor = tensor;
  }

  /** The file concerned; empty for a tensor rejected by {@link SafeTensorsWriter} before any file was named. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /** The tensor concerned, if the problem is with one tensor rather than the whole file. */
  public Optional<String> tensor() {
    return Optional.ofNullable(tensor);
  }

  private static String describe(Path file, String tensor, String detail) {
    StringBuilder message = new StringBuilder(file == null ? "safetensors writer" : file.toString());
    if (tensor != null) {
      message.append(": tensor '").append(tensor).append('\'');
    }
    return message.append(": ").append(detail).toString();
  }
}
