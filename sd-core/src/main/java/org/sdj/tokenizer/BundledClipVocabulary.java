package org.sdj.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;
import org.sdj.SdjException;

/**
 * The CLIP BPE vocabulary that Stable Diffusion 1.x and 2.x use ({@code vocab.json} + {@code merges.txt}), shipped with
 * sdj for models that carry no tokenizer (single-file checkpoints, the demo model). From OpenAI's CLIP, MIT licence:
 * see {@code org/sdj/tokenizer/clip/LICENSE} in this jar.
 */
public final class BundledClipVocabulary {
  private static final String BASE = "clip/";

  private BundledClipVocabulary() {}

  /** Writes {@code vocab.json}, {@code merges.txt} and the licence into {@code dir} (created if absent). */
  public static void writeTo(Path dir) {
    try {
      Files.createDirectories(dir);
      copy("vocab.json.gz", dir.resolve("vocab.json"), true);
      copy("merges.txt.gz", dir.resolve("merges.txt"), true);
      copy("LICENSE", dir.resolve("LICENSE-CLIP-VOCABULARY"), false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the CLIP vocabulary to " + dir, e);
    }
  }

  private static void copy(String resource, Path target, boolean gzipped) throws IOException {
    try (InputStream raw = BundledClipVocabulary.class.getResourceAsStream(BASE + resource)) {
      if (raw == null) {
        throw new SdjException("the sdj jar lacks its CLIP vocabulary resource " + resource);
      }
      try (InputStream in = gzipped ? new GZIPInputStream(raw) : raw) {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
