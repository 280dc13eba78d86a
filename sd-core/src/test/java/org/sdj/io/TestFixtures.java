package org.sdj.io;

import java.nio.file.Files;
import java.nio.file.Path;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Locates the shared read-only fixtures (see shared/README.md). */
public final class TestFixtures {
  private TestFixtures() {}

  /**
   * The fixtures folder: {@code -Dsdj.fixtures}, else {@code ../shared/fixtures} from the repository root. A missing
   * folder fails the test rather than skipping it, so that a misplaced checkout cannot pass unchecked.
   */
  public static Path root() {
    String configured = System.getProperty("sdj.fixtures");
    Path root = configured != null ? Path.of(configured) : Path.of("..", "..", "shared", "fixtures");
    assertTrue(Files.isDirectory(root), "fixtures not found at " + root.toAbsolutePath()
        + " (set -Dsdj.fixtures=DIR)");
    return root;
  }

  /** A path under the fixtures folder. */
  public static Path path(String relative) {
    return root().resolve(relative);
  }
}
