package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.DType;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.TestPictures;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.AutoencoderTinyConfig;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;
import org.sdj.model.Weights;
import org.sdj.model.vae.AutoencoderTiny;
import org.sdj.pipeline.LoadedTinyAutoencoderTest;

/**
 * An engine running TAESD in place of its VAE against diffusers' pipelines with {@code pipe.vae = AutoencoderTiny}
 * ({@code src/test/resources/taesd}, made by its {@code make_taesd_reference.py.txt}): txt2img, and img2img, where
 * TAESD's encoder draws no posterior noise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TinyAutoencoderTest {
  private StableDiffusion sd;

  @BeforeAll
  void open() throws URISyntaxException {
    sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .tinyAutoencoder(resource("tiny-taesd")).build();
  }

  @AfterAll
  void close() {
    sd.close();
  }

  @Test
  void txt2imgMatchesDiffusers() throws URISyntaxException {
    List<BufferedImage> previews = new ArrayList<>();
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(3).scheduler("euler").seed(1).guidanceScale(7.5)
        .listener(step -> previews.add(step.preview())).build());
    TensorAssert.assertTensorClose(result.latents(), expected("txt2img latents"), "txt2img latents");
    assertPicture(result.images().getFirst(), "txt2img image");
    // The previews are TAESD's, at the picture's size; the last is the picture itself (Euler's last estimate is the
    // final latents).
    assertEquals(3, previews.size());
    assertEquals(64, previews.getLast().getWidth());
    assertPicture(previews.getLast(), "txt2img image");
  }

  @Test
  void img2imgMatchesDiffusers() throws URISyntaxException, IOException {
    BufferedImage init = ImageIO.read(resource("img2img-input.png").toFile());
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .initImage(init, 0.6).steps(4).scheduler("euler").seed(5).guidanceScale(7.5).build());
    TensorAssert.assertTensorClose(result.latents(), expected("img2img latents"), "img2img latents");
    assertPicture(result.images().getFirst(), "img2img image");
  }

  @Test
  void decoderAloneLeavesTheEncodingToTheVae(@TempDir Path dir) throws URISyntaxException, IOException {
    BufferedImage init = ImageIO.read(resource("img2img-input.png").toFile());
    GenerationRequest request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .initImage(init, 0.6).steps(4).scheduler("euler").seed(5).guidanceScale(7.5).build();
    try (StableDiffusion decoderOnly = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1"))
        .backend("reference").tinyAutoencoder(LoadedTinyAutoencoderTest.writeOriginal(dir.resolve(
            "taesd_decoder.safetensors"), false)).build();
        StableDiffusion plain = TinyModel.open()) {
      GenerationResult mixed = decoderOnly.generate(request);
      GenerationResult vae = plain.generate(request);
      // The VAE encodes (and samples its posterior) as without TAESD; TAESD decodes.
      assertEquals(0, TensorAssert.relativeL2(mixed.latents(), vae.latents()));
      assertTrue(TensorAssert.relativeL2(TestPictures.bytes(mixed.images().getFirst()),
          TestPictures.bytes(vae.images().getFirst())) > 0.05, "TAESD's picture is not the VAE's");
    }
  }

  @Test
  void mismatchesAreRefused(@TempDir Path dir) {
    // A decoder of 16-channel latents (SD3's and FLUX's TAESD), in TAESD's own layout.
    Map<String, long[]> shapes = new TreeMap<>();
    new AutoencoderTiny(AutoencoderTinyConfig.published(16, 8), Weights.recording(shapes), false, true);
    SafeTensorsWriter wide = SafeTensorsWriter.create();
    shapes.forEach((name, shape) -> {
      String rest = name.substring("decoder.layers.".length());
      int dot = rest.indexOf('.');
      wide.add(Integer.parseInt(rest.substring(0, dot)) + 1 + rest.substring(dot), DType.F16, shape,
          new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))]);
    });
    Path taesd3 = dir.resolve("taesd3_decoder.safetensors");
    wide.write(taesd3);
    SdjException e = assertThrows(SdjException.class, () -> StableDiffusion.builder()
        .model(TestFixtures.path("tiny-sd1")).backend("reference").tinyAutoencoder(taesd3).build());
    assertTrue(e.getMessage().contains("16-channel latents") && e.getMessage().contains("madebyollin/taesd"),
        e.getMessage());
  }

  /** With VAE tiling TAESD runs as diffusers tiles it; a picture within one tile comes out as without tiling. */
  @Test
  void vaeTilingTilesTaesd() {
    GenerationRequest request = GenerationRequest.prompt("a watercolor otter").size(64, 64).steps(2)
        .scheduler("euler").seed(3).build();
    try (StableDiffusion tiled = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .tinyAutoencoder(resource("tiny-taesd")).vaeTiling(true).build()) {
      assertArrayEquals(TestPictures.bytes(sd.generate(request).images().getFirst()),
          TestPictures.bytes(tiled.generate(request).images().getFirst()));
    }
  }

  private static void assertPicture(BufferedImage picture, String name) throws URISyntaxException {
    float[] actual = TestPictures.bytes(picture);
    for (int i = 0; i < actual.length; i++) {
      actual[i] /= 255;
    }
    TensorAssert.assertImageClose(actual, expected(name), name);
  }

  private static float[] expected(String name) throws URISyntaxException {
    try (SafeTensorsFile file = SafeTensorsFile.open(resource("expected.safetensors"))) {
      return file.get(name).toFloatArray();
    }
  }

  private static Path resource(String name) {
    try {
      return Path.of(TinyAutoencoderTest.class.getResource("/taesd/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
