package org.sdj.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        Files.createDirectories(into.toAbsolutePath().getParent());
        Files.copy(p, into);
      }
    }
    return to;
  }

  /**
   * The classpath resource {@code resource} (a file or a folder, e.g. {@code /sdxl/tiny-sdxl}) copied to
   * {@code target}: the tests of another module read sd-core's test resources out of its test jar.
   */
  public static Path copyResource(String resource, Path target) {
    try {
      URL url = TestFixtures.class.getResource(resource);
      if (url == null) {
        throw new IllegalStateException("no test resource " + resource);
      }
      URI uri = url.toURI();
      if (!"jar".equals(uri.getScheme())) {
        return copyTree(Path.of(uri), target);
      }
      try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
        return copyTree(jar.provider().getPath(uri), target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
