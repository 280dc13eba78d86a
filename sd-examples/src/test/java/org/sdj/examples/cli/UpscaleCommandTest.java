package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.image.ImageFiles;
import org.sdj.image.TestPictures;

/** {@code sdj upscale}, and ESRGAN upscalers in {@code sdj generate}'s hires fix, with sd-core's tiny ESRGAN. */
class UpscaleCommandTest {
  @TempDir Path dir;

  @Test
  void enlargesAPicture() throws IOException {
    Path model = tinyUpscaler(dir);
    Path input = dir.resolve("in.png");
    ImageIO.write(TestPictures.pattern(40, 30, false), "png", input.toFile());
    Path out = dir.resolve("out.png");
    Sdj.Run run = Sdj.run("upscale", "--model", model.toString(), "--input", input.toString(), "--output",
        out.toString(), "--backend", "cpu", "--tile", "16", "--tile-overlap", "4");
    run.assertSuccess();
    assertEquals(out.toString(), run.out().strip());
    BufferedImage big = ImageIO.read(out.toFile());
    assertEquals(160, big.getWidth());
    assertEquals(120, big.getHeight());
    Sdj.run("upscale", "--model", model.toString(), "--input", input.toString(), "--output", out.toString(),
        "--backend", "cpu", "--scale", "2.5").assertSuccess();
    assertEquals(96, ImageIO.read(out.toFile()).getWidth());
    Sdj.run("upscale", "--model", model.toString(), "--input", input.toString(), "--output", out.toString(),
        "--tile", "8", "--tile-overlap", "8").assertOneErrorLine(2, "--tile / --tile-overlap", "overlap");
    Sdj.run("upscale", "--model", dir.resolve("none.pth").toString(), "--input", input.toString(), "--output",
        out.toString(), "--backend", "cpu").assertOneErrorLine(1, "none.pth", "file not found");
    Sdj.run("upscale", "--model", input.toString(), "--input", input.toString(), "--output", out.toString(),
        "--backend", "cpu").assertOneErrorLine(1, "in.png", "not a safetensors file");
  }

  @Test
  void aHiresFixWithAnUpscalerIsRemadeFromItsParameters() throws IOException {
    Path model = tinyUpscaler(dir);
    Path first = dir.resolve("hires.png");
    Sdj.run(Sdj.smallGenerate(first, "--width", "48", "--quiet", "--hires-scale", "1.5", "--hires-upscaler", "tiny-x4",
        "--upscaler", model.toString())).assertSuccess();
    assertEquals(72, ImageIO.read(first.toFile()).getWidth());
    String info = ImageFiles.readParameters(first).orElseThrow();
    assertTrue(info.contains("Hires upscaler: tiny-x4"), info);
    Path again = dir.resolve("hires-again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        first.toString(), "--upscaler-dir", dir.toString(), "--output", again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "the same picture, the same file");
    Sdj.run(Sdj.smallGenerate(first, "--hires-scale", "2", "--hires-upscaler", "4x-UltraSharp", "--upscaler-dir",
        dir.toString())).assertOneErrorLine(2, "--hires-upscaler 4x-UltraSharp is none of sdj's", "--upscaler-dir");
  }

  /** A1111's SD upscale script: the picture enlarged, repainted tile by tile, remade from its parameters. */
  @Test
  void sdUpscaleIsRemadeFromItsParameters() throws IOException {
    Path model = tinyUpscaler(dir);
    Path input = dir.resolve("in.png");
    ImageIO.write(TestPictures.pattern(48, 40, false), "png", input.toFile());
    Path first = dir.resolve("sd-upscale.png");
    Sdj.run(Sdj.smallGenerate(first, "--quiet", "--init-image", input.toString(), "--strength", "0.5",
        "--sd-upscale", "2", "--sd-upscale-overlap", "16", "--sd-upscale-upscaler", "tiny-x4", "--upscaler",
        model.toString())).assertSuccess();
    BufferedImage big = ImageIO.read(first.toFile());
    assertEquals(96, big.getWidth());
    assertEquals(80, big.getHeight());
    String info = ImageFiles.readParameters(first).orElseThrow();
    assertTrue(info.contains("SD upscale overlap: 16, SD upscale upscaler: tiny-x4, SD upscale factor: 2"), info);
    Path again = dir.resolve("sd-upscale-again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        first.toString(), "--init-image", input.toString(), "--upscaler-dir", dir.toString(), "--output",
        again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "the same picture, the same file");
    Sdj.run(Sdj.smallGenerate(first, "--sd-upscale", "2")).assertOneErrorLine(2, "--sd-upscale enlarges an image");
    Sdj.run(Sdj.smallGenerate(first, "--sd-upscale-overlap", "8")).assertOneErrorLine(2, "add --sd-upscale");
  }

  /** sd-core's tiny 4x ESRGAN network, copied out of its test jar. */
  private static Path tinyUpscaler(Path dir) throws IOException {
    Path file = dir.resolve("tiny-x4.pth");
    try (InputStream in = UpscaleCommandTest.class.getResourceAsStream("/esrgan/tiny-x4.pth")) {
      Files.copy(in, file);
    }
    return file;
  }
}
