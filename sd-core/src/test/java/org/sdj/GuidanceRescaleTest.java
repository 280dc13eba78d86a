package org.sdj;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * diffusers' {@code guidance_rescale} against its {@code StableDiffusionPipeline} on the tiny model
 * ({@code src/test/resources/guidance-rescale}, made by its {@code make_guidance_rescale_reference.py.txt}).
 */
class GuidanceRescaleTest extends TinyModelTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({"euler rescale 0.7, euler, 0.7, 4, 3, 1", "ddim rescale 1.0 batch 2, ddim, 1.0, 3, 9, 2"})
  void matchesDiffusers(String name, String scheduler, double rescale, int steps, long seed, int batch)
      throws URISyntaxException {
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(steps).scheduler(scheduler).seed(seed).batchSize(batch);
    GenerationResult result = sd.generate(request.guidanceRescale(rescale));
    TensorAssert.assertTensorClose(result.latents(), expected(name), name);
    assertTrue(result.parameters().infotext().contains("Guidance rescale: " + (rescale == 1 ? "1" : "0.7")),
        result.parameters().infotext());
    assertFalse(Arrays.equals(result.latents(), sd.generate(request.guidanceRescale(0)).latents()));
  }

  @Test
  void outOfRangeIsRefused() {
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> sd.generate(TinyModel.small("x").guidanceRescale(1.5)));
    assertTrue(e.getMessage().contains("guidance rescale must be in [0, 1]"), e.getMessage());
  }

  private static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(GuidanceRescaleTest.class.getResource("/guidance-rescale/expected.safetensors").toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
