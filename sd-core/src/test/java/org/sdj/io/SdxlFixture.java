package org.sdj.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The tiny SDXL pipeline of {@code src/test/resources/sdxl} (made by its {@code make_tiny_sdxl.py.txt}) as a folder on
 * disk, for the tests of any module: copied out of the classpath, which in another module is sd-core's test jar.
 */
public final class SdxlFixture {
  private SdxlFixture() {}

  /** The model folder {@code tiny-sdxl}, copied into {@code dir}. */
  public static Path model(Path dir) {
    return copy("/sdxl/tiny-sdxl", dir.resolve("tiny-sdxl"));
  }

  /** diffusers' final latents of its cases, copied into {@code dir}. */
  public static Path expected(Path dir) {
    return copy("/sdxl/expected.safetensors", dir.resolve("expected.safetensors"));
  }

  private static Path copy(String resource, Path target) {
    try {
      URI uri = SdxlFixture.class.getResource(resource).toURI();
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

  private static Path copyTree(Path from, Path to) throws IOException {
    List<Path> all;
    try (Stream<Path> walk = Files.walk(from)) {
      all = walk.toList();
    }
    for (Path p : all) {
      Path into = to.resolve(from.relativize(p).toString());
      if (Files.isDirectory(p)) {
        Files.createDirectories(into);
      } else {
        Files.createDirectories(into.getParent());
        Files.copy(p, into);
      }
    }
    return to;
  }
}
