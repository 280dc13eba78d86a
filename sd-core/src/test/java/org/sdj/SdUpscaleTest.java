package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.TestPictures;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * AUTOMATIC1111's SD upscale script against diffusers' img2img composed as the script runs it, around A1111's Lanczos
 * upscaler and its tile grid ({@code src/test/resources/sd-upscale}): each tile's latents at the float32 tolerance
 * and the whole picture within two levels of 255 (8-bit tiles on both sides).
 */
class SdUpscaleTest extends TinyModelTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({"lanczos 2x 64x64 overlap 16, 96, 80, 2.0, 64, 64, 16, 0.5, 31, 12",
      "lanczos 1.5x 64x48 overlap 8, 80, 64, 1.5, 64, 48, 8, 0.6, 32, 6"})
  void matchesDiffusersComposedAsA1111RunsIt(String name, int w, int h, double scale, int tileWidth, int tileHeight,
      int overlap, double strength, long seed, int tiles) throws URISyntaxException {
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .steps(4).scheduler("euler").seed(seed).size(tileWidth, tileHeight)
        .initImage(TestPictures.pattern(w, h, false), strength)
        .sdUpscale(new SdUpscale(scale, overlap, SdUpscale.LANCZOS)));
    assertEquals(tiles, result.latentShape()[0]);
    TensorAssert.assertTensorClose(result.latents(), expected(name + " latents"), name + " latents");
    BufferedImage picture = result.images().getFirst();
    assertEquals((int) (w * scale) / 8 * 8, picture.getWidth());
    float[] actual = TestPictures.bytes(picture);
    float[] want = expected(name + " picture");
    for (int i = 0; i < actual.length; i++) {
      actual[i] /= 255;
      want[i] /= 255;
    }
    TensorAssert.assertImageClose(actual, want, name + " picture");
    String info = result.parameters().infotext();
    assertTrue(info.contains("Seed: " + seed + ",") && info.contains("Size: " + tileWidth + "x" + tileHeight)
        && info.contains("SD upscale overlap: " + overlap + ", SD upscale upscaler: Lanczos, SD upscale factor: "), info);
  }

  @Test
  void withoutAnUpscalerTheTilesAreThePicturesOwn() {
    GenerationRequest.Builder request = GenerationRequest.prompt("x").steps(2).scheduler("euler").seed(4)
        .size(64, 64).initImage(TestPictures.pattern(64, 64, false), 0.5);
    GenerationResult plain = sd.generate(request);
    GenerationResult one = sd.generate(request.sdUpscale(new SdUpscale(2, 16, SdUpscale.NONE)));
    assertArrayEquals(plain.latents(), one.latents(), "one tile, the picture itself: plain img2img");
  }

  @Test
  void refusesWhatTheScriptCannotRun() {
    GenerationRequest.Builder request = GenerationRequest.prompt("x").steps(2).seed(4).size(64, 64)
        .initImage(TestPictures.pattern(64, 64, false), 0.5);
    assertRefused(GenerationRequest.prompt("x").sdUpscale(SdUpscale.of(2)), "give one (img2img)");
    assertRefused(request.sdUpscale(new SdUpscale(2, 64, SdUpscale.LANCZOS)), "must be under the tiles' sides");
    assertRefused(request.sdUpscale(new SdUpscale(9, 8, SdUpscale.LANCZOS)), "factor must be in (1, 8]");
    assertRefused(request.sdUpscale(new SdUpscale(2, 8, "4x-UltraSharp")), "no upscaler named 4x-UltraSharp");
    assertRefused(request.sdUpscale(SdUpscale.of(2)).batchSize(2), "batch size 1");
  }

  private void assertRefused(GenerationRequest.Builder request, String message) {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd.generate(request));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  private static float[] expected(String name) throws URISyntaxException {
    try (SafeTensorsFile file = SafeTensorsFile.open(Path.of(SdUpscaleTest.class
        .getResource("/sd-upscale/expected.safetensors").toURI()))) {
      return file.get(name).toFloatArray();
    }
  }
}
