package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sdj.image.TestPictures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;

/**
 * Seamless tiling against diffusers' pipelines with every {@code Conv2d} of the UNet and the VAE padding circularly
 * (as AUTOMATIC1111's Tiling sets them; along one axis for {@link Tiling#X} and {@link Tiling#Y}), on the tiny model
 * ({@code src/test/resources/tiling}, made by its {@code make_tiling_reference.py.txt}).
 */
class TilingTest extends TinyModelTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({"euler both 64x80, euler, BOTH, 64, 80, 71", "dpmpp-2m x 80x64, dpmpp-2m, X, 80, 64, 72",
      "euler y 64x64, euler, Y, 64, 64, 73"})
  void txt2imgMatchesDiffusers(String name, String scheduler, Tiling tiling, int height, int width, long seed)
      throws URISyntaxException {
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(width, height).steps(3).scheduler(scheduler).seed(seed);
    GenerationResult result = sd.generate(request.tiling(tiling));
    TensorAssert.assertTensorClose(result.latents(), expected(name), name);
    assertTrue(result.parameters().infotext().contains("Tiling: " + tiling.infotextValue()),
        result.parameters().infotext());
    GenerationResult plain = sd.generate(request.tiling(Tiling.NONE));
    assertFalse(Arrays.equals(result.latents(), plain.latents()), "tiling changes the picture");
    assertFalse(plain.parameters().infotext().contains("Tiling"), plain.parameters().infotext());
  }

  @Test
  void img2imgEncodesWrappedToo() throws URISyntaxException {
    String name = "img2img euler both 64x80 at 0.6";
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .steps(4).scheduler("euler").seed(74).initImage(TestPictures.ramp(80, 64), 0.6).tiling(Tiling.BOTH));
    TensorAssert.assertTensorClose(result.latents(), expected(name), name);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"euler both 64x80, BOTH, 8, 10", "dpmpp-2m x 80x64, X, 10, 8", "euler y 64x64, Y, 8, 8"})
  void decodesAsTheWrappedVae(String name, Tiling tiling, long h, long w) throws URISyntaxException {
    try (Backend backend = new ReferenceBackend();
        PipelineComponents model = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(),
            backend)) {
      StableDiffusionPipeline pipeline = new StableDiffusionPipeline(model, backend).seamless(tiling);
      float[] image = pipeline.decode(expected(name), new long[] {1, 4, h, w});
      TensorAssert.assertImageClose(image, expected(name + " decoded"), name + " decoded");
    }
  }

  @Test
  void vaeTilingIsRefusedBeside() {
    try (Backend backend = new ReferenceBackend();
        PipelineComponents model = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(),
            backend)) {
      StableDiffusionPipeline tiled = new StableDiffusionPipeline(model, backend, true);
      assertEquals(tiled, tiled.seamless(Tiling.NONE));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tiled.seamless(Tiling.X));
      assertTrue(e.getMessage().contains("VAE tiling"), e.getMessage());
    }
  }

  @Test
  void infotextValuesRoundTrip() {
    for (Tiling t : Tiling.values()) {
      assertEquals(Optional.of(t), Tiling.fromInfotext(t == Tiling.NONE ? "False" : t.infotextValue()));
    }
    assertEquals(Optional.of(Tiling.BOTH), Tiling.fromInfotext("True"));
    assertEquals(Optional.empty(), Tiling.fromInfotext("sideways"));
  }

  private static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(TilingTest.class.getResource("/tiling/expected.safetensors").toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
