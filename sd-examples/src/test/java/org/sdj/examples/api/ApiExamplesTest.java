package org.sdj.examples.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.io.InpaintingFixture;
import org.sdj.io.TestFixtures;

/** The API examples run as a user would run them, on the tiny fixture model, so that they keep working. */
class ApiExamplesTest {
  @TempDir
  Path dir;

  @Test
  void txt2img() throws IOException {
    Path out = dir.resolve("lighthouse.png");
    Txt2Img.main(new String[] {TestFixtures.path("tiny-sd1").toString(), out.toString()});
    assertEquals(128, ImageIO.read(out.toFile()).getWidth(), "the tiny model's native size");
  }

  @Test
  void inpaint() throws IOException {
    Path image = dir.resolve("in.png");
    Path mask = dir.resolve("mask.png");
    ImageIO.write(InpaintingFixture.ramp(), "png", image.toFile());
    ImageIO.write(InpaintingFixture.mask(), "png", mask.toFile());
    Path out = dir.resolve("boat.png");
    Inpaint.main(new String[] {TestFixtures.path("tiny-sd1").toString(), image.toString(), mask.toString(),
        out.toString()});
    assertEquals(InpaintingFixture.SIZE, ImageIO.read(out.toFile()).getWidth());
  }
}
