package org.sdj.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;

/**
 * The conformance suite on a tiny Stable Diffusion 2.x-architecture model (linear projections, per-block head counts,
 * several transformer layers per block, GELU text encoder, pad token {@code !}, v-prediction) with cases computed by
 * diffusers and transformers themselves. The model and cases ship with the tests under {@code fixtures-sd2/}; the
 * script that made them is beside them as {@code make_tiny_sd2.py.txt}.
 */
class Sd2ConformanceTest extends ConformanceSuite {
  private static final String FOLDER = "fixtures-sd2";

  @Override
  protected Backend createBackend() {
    return new ReferenceBackend();
  }

  /** The test classpath's copy of the folder, else the module's source copy (surefire runs in the module folder). */
  @Override
  protected Path fixturesRoot() {
    URL url = Sd2ConformanceTest.class.getResource("/" + FOLDER + "/tiny-sd2-expected/cases.json");
    if (url != null && "file".equals(url.getProtocol())) {
      try {
        return Path.of(url.toURI()).getParent().getParent();
      } catch (URISyntaxException e) {
        throw new IllegalStateException("unusable resource URL " + url, e);
      }
    }
    Path source = Path.of("src", "test", "resources", FOLDER);
    assertTrue(Files.isDirectory(source), FOLDER + " found neither on the test classpath nor at "
        + source.toAbsolutePath());
    return source;
  }
}
