package org.sdj.io;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the shared read-only fixtures (see shared/README.md). */
public final class TestFixtures {
  private TestFixtures() {}

  /** The fixtures folder: {@code -Dsdj.fixtures}, else {@code ../shared/fixtures} from the repository root. */
  public static Path root() {
    String configured = System.getProperty("sdj.fixtures");
    Path root = configured != null ? Path.of(configured) : Path.of("..", "..", "shared", "fixtures");
    Assumptions.assumeTrue(Files.isDirectory(root), "fixtures not found at " + root.toAbsolutePath());
    return root;
  }

  /** A path under the fixtures folder. */
  public static Path path(String relative) {
    return root().resolve(relative);
  }
}
