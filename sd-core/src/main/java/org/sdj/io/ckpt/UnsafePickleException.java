package org.sdj.io.ckpt;

import java.nio.file.Path;

/**
 * A checkpoint whose pickle names a Python global outside sdj's allowlist (such as {@code os.system} or {@code
 * builtins.eval}): loading it with {@code torch.load(weights_only=False)} could run code. sdj never runs anything from
 * the file; it refuses the whole file.
 */
public final class UnsafePickleException extends CkptException {
  private static final long serialVersionUID = 1L;

  private final String global;

  UnsafePickleException(Path file, String record, String global) {
    super(file, "refusing global '" + global + "' in " + record + ": sdj only loads tensors", null);
    this.global = global;
  }

  /** The refused global, as {@code module.name}. */
  public String global() {
    return global;
  }
}
