package org.sdj.conformance;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the shared read-only fixtures ({@code -Dsdj.fixtures}, else {@code ../shared/fixtures}). */
public final class Fixtures {
  private Fixtures() {}

  /** The fixture folder or file at {@code relative}; the test is skipped, with the reason, when it is missing. */
  public static Path require(String relative) {
    String property = System.getProperty("sdj.fixtures");
    Path root = property != null ? Path.of(property) : Path.of("..", "shared", "fixtures");
    if (!Files.exists(root) && property == null) {
      root = Path.of("..", "..", "shared", "fixtures");
    }
    Path path = root.resolve(relative);
    Assumptions.assumeTrue(Files.exists(path), "fixture not found: " + path.toAbsolutePath());
    return path;
  }
}
