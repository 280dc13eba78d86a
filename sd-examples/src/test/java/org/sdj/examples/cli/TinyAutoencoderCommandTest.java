package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.image.TestPictures;

/** {@code sdj generate --taesd} (and its {@code --preview}), with sd-core's tiny TAESD. */
class TinyAutoencoderCommandTest {
  @TempDir Path dir;

  @Test
  void decodesWithTaesd() throws IOException {
    Path taesd = tinyTaesd(dir);
    Path withTaesd = dir.resolve("taesd.png");
    Path withVae = dir.resolve("vae.png");
    Sdj.run(Sdj.smallGenerate(withTaesd, "--quiet", "--taesd", taesd.toString())).assertSuccess();
    Sdj.run(Sdj.smallGenerate(withVae, "--quiet")).assertSuccess();
    float[] a = TestPictures.bytes(ImageIO.read(withTaesd.toFile()));
    float[] b = TestPictures.bytes(ImageIO.read(withVae.toFile()));
    assertEquals(b.length, a.length);
    assertFalse(Arrays.equals(a, b), "TAESD's picture is not the VAE's");
  }

  @Test
  void previewsAreWrittenFullSizeWithTaesdAndSmallWithout() throws IOException {
    Path preview = dir.resolve("preview.png");
    Sdj.run(Sdj.smallGenerate(dir.resolve("out.png"), "--quiet", "--taesd", tinyTaesd(dir).toString(), "--preview",
        preview.toString())).assertSuccess();
    assertEquals(64, ImageIO.read(preview.toFile()).getWidth());
    Sdj.run(Sdj.smallGenerate(dir.resolve("out.png"), "--quiet", "--preview", preview.toString())).assertSuccess();
    assertEquals(8, ImageIO.read(preview.toFile()).getWidth(), "the latents' colours, 1/8 of the picture");
    Sdj.run(Sdj.smallGenerate(dir.resolve("out.png"), "--preview", dir.resolve("none/p.png").toString()))
        .assertOneErrorLine(2, "--preview");
  }

  @Test
  void tilingTaesdRunsAndAMissingOneIsOneErrorLine() throws IOException {
    Path taesd = tinyTaesd(dir);
    Sdj.run(Sdj.smallGenerate(dir.resolve("out.png"), "--quiet", "--taesd", taesd.toString(), "--vae-tiling"))
        .assertSuccess();
    Sdj.run(Sdj.smallGenerate(dir.resolve("out.png"), "--taesd", dir.resolve("none").toString()))
        .assertOneErrorLine(1, "none", "does not exist");
  }

  private static Path tinyTaesd(Path dir) throws IOException {
    Path folder = dir.resolve("tiny-taesd");
    Files.createDirectories(folder);
    for (String name : new String[] {"config.json", "diffusion_pytorch_model.safetensors"}) {
      try (InputStream in = TinyAutoencoderCommandTest.class.getResourceAsStream("/taesd/tiny-taesd/" + name)) {
        Files.copy(in, folder.resolve(name));
      }
    }
    return folder;
  }
}
