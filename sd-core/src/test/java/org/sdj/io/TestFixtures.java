package org.sdj.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

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

  /** A copy of the fixture folder {@code relative} at {@code to} (which must not exist), to change in a test. */
  public static Path copy(String relative, Path to) throws IOException {
    return copyTree(path(relative), to);
  }

  /**
   * The folder {@code from}, on any file system (a test jar's too), copied into {@code to}, which may exist.
   *
   * @return {@code to}
   */
  public static Path copyTree(Path from, Path to) throws IOException {
    List<Path> all;
    try (Stream<Path> walk = Files.walk(from)) {
      all = walk.toList();
    }
    for (Path p : all) {
      Path into = to.resolve(from.relativize(p).toString());
      if (Files.isDirectory(p)) {
        Files.createDirectories(into);
      } else {
        Files.copy(p, into);
      }
    }
    return to;
  }
}
