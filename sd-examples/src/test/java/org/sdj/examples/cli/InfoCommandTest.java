package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** {@code sdj info} prints back the parameters {@code sdj generate} stored in its PNG or JPEG. */
class InfoCommandTest {
  @TempDir Path dir;

  @Test
  void printsTheParametersGenerateWrote() {
    Path png = dir.resolve("castle.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet",
        "--prompt", "a castle, at dusk", "--negative-prompt", "blurry", "--steps", "2", "--guidance", "6.5",
        "--scheduler", "dpmpp-2m-karras", "--seed", "42", "--width", "64", "--height", "48", "--clip-skip", "2",
        "--output", png.toString()).assertSuccess();
    Sdj.Run info = Sdj.run("info", png.toString());
    info.assertSuccess();
    assertEquals("", info.err());
    assertEquals(String.join(System.lineSeparator(),
        "a castle, at dusk",
        "Negative prompt: blurry",
        "Steps: 2, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 42, Size: 64x48, Model: tiny-sd1, "
            + "Clip skip: 2",
        ""), info.out());
  }

  /** A JPEG carries the same text, in its EXIF user comment. */
  @ParameterizedTest
  @ValueSource(strings = {"png", "jpg"})
  void namesTheModelsOwnSchedulerTheWayA1111Does(String extension) {
    Path image = dir.resolve("plms." + extension);
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a cat",
        "--steps", "1", "--seed", "7", "--width", "64", "--height", "64", "--output", image.toString())
        .assertSuccess();
    Sdj.Run info = Sdj.run("info", image.toString());
    info.assertSuccess();
    assertEquals("a cat" + System.lineSeparator()
        + "Steps: 1, Sampler: PLMS, CFG scale: 7.5, Seed: 7, Size: 64x64, Model: tiny-sd1" + System.lineSeparator(),
        info.out());
  }

  @Test
  void seedMinusOneIsARandomSeedAsInA1111() {
    Path png = dir.resolve("random.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a cat",
        "--steps", "1", "--seed", "-1", "--width", "64", "--height", "64", "--output", png.toString())
        .assertSuccess();
    String parameters = Sdj.run("info", png.toString()).out();
    assertTrue(parameters.contains("Seed: ") && !parameters.contains("Seed: -1,"), parameters);
  }

  @Test
  void aPngWithoutParametersIsAClearError() throws IOException {
    Path png = dir.resolve("plain.png");
    ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
    Sdj.run("info", png.toString()).assertOneErrorLine(1, png.toString(), "carries no generation parameters");
  }

  @Test
  void aMissingFileIsAClearError() {
    Path missing = dir.resolve("missing.png");
    Sdj.run("info", missing.toString()).assertOneErrorLine(1, missing.toString(), "does not exist");
  }

  @Test
  void aFileThatIsNotAPngIsAClearError() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.png"), "just some text");
    Sdj.run("info", text.toString()).assertOneErrorLine(1, text.toString());
  }
}
