package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.image.ImageFiles;

/** {@code sdj generate --emphasis}: A1111's Emphasis mode, recorded and read back. */
class EmphasisCommandTest {
  @TempDir Path dir;

  @Test
  void aModeIsRecordedAndRemadeFromItsParameters() throws IOException {
    Path first = dir.resolve("no-norm.png");
    Sdj.run(Sdj.smallGenerate(first, "--quiet", "--prompt", "a (lighthouse:1.6) at [dusk]", "--prompt-syntax", "a1111",
        "--emphasis", "no-norm")).assertSuccess();
    String info = ImageFiles.readParameters(first).orElseThrow();
    assertTrue(info.contains("Emphasis: No norm"), info);
    // The Emphasis field alone says the prompt was read in A1111's syntax.
    Path again = dir.resolve("again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        first.toString(), "--output", again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "the same picture, the same file");
  }

  @Test
  void badUseIsOneErrorLine() {
    Sdj.run(Sdj.smallGenerate(dir.resolve("out.png"), "--emphasis", "no-norm"))
        .assertOneErrorLine(2, "--emphasis", "--prompt-syntax a1111");
    Sdj.run(Sdj.smallGenerate(dir.resolve("out.png"), "--prompt-syntax", "a1111", "--emphasis", "strong"))
        .assertOneErrorLine(2, "--emphasis strong", "no-norm");
  }
}
