package org.sdj.io.lora;

import java.nio.file.Path;
import org.sdj.SdjException;

/** A LoRA file that cannot be merged into the model: not a LoRA, of another architecture, or of an unsupported kind. */
public final class LoraException extends SdjException {
  private static final long serialVersionUID = 1L;

  LoraException(Path file, String problem) {
    super("LoRA " + file + ": " + problem);
  }
}
