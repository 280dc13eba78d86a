package org.sdj.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.sdj.SdjException;

/** Finds the parts of a model folder that a subcommand was pointed at. */
final class ModelFolders {
  private ModelFolders() {}

  /** {@code dir} itself if it holds {@code vocab.json}, else its {@code tokenizer/} subfolder (diffusers layout). */
  static Path tokenizerDir(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new SdjException("Model folder " + dir + " does not exist or is not a folder");
    }
    if (Files.isRegularFile(dir.resolve("vocab.json"))) {
      return dir;
    }
    Path tokenizer = dir.resolve("tokenizer");
    if (Files.isDirectory(tokenizer)) {
      return tokenizer;
    }
    throw new SdjException(
        dir + " is neither a diffusers pipeline folder (no tokenizer/ inside) nor a tokenizer folder (no vocab.json)");
  }
}
