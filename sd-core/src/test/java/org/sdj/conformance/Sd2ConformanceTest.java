package org.sdj.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.TestFixtures;
import org.sdj.tokenizer.BundledClipVocabulary;

/**
 * The conformance suite on a tiny Stable Diffusion 2.x-architecture model (linear projections, per-block head counts,
 * several transformer layers per block, GELU text encoder, pad token {@code !}, v-prediction) with cases computed by
 * diffusers and transformers themselves. The model and cases ship with the tests under {@code fixtures-sd2/} (all but
 * the tokenizer's vocabulary, {@link #fixturesRoot}); the script that made them is beside them as
 * {@code make_tiny_sd2.py.txt}.
 */
class Sd2ConformanceTest extends ConformanceSuite {
  private static final String FOLDER = "fixtures-sd2";

  @TempDir Path copy;

  @Override
  protected Backend createBackend() {
    return new ReferenceBackend();
  }

  /**
   * A copy of the folder (from the test classpath, else the module's source copy: surefire runs in the module folder),
   * with the tokenizer's vocabulary written in: the repository leaves out {@code tiny-sd2/tokenizer}'s
   * {@code vocab.json} and {@code merges.txt}, byte for byte sdj's bundled CLIP vocabulary, to stay small.
   */
  @Override
  protected Path fixturesRoot() throws IOException {
    URL url = Sd2ConformanceTest.class.getResource("/" + FOLDER + "/tiny-sd2-expected/cases.json");
    Path source;
    if (url != null && "file".equals(url.getProtocol())) {
      try {
        source = Path.of(url.toURI()).getParent().getParent();
      } catch (URISyntaxException e) {
        throw new IllegalStateException("unusable resource URL " + url, e);
      }
    } else {
      source = Path.of("src", "test", "resources", FOLDER);
      assertTrue(Files.isDirectory(source), FOLDER + " found neither on the test classpath nor at "
          + source.toAbsolutePath());
    }
    TestFixtures.copyTree(source, copy);
    BundledClipVocabulary.writeTo(copy.resolve("tiny-sd2/tokenizer"));
    return copy;
  }
}
