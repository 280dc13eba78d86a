package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.model.unet.FreeU;

/**
 * FreeU against diffusers' pipelines with {@code enable_freeu} ({@code src/test/resources/freeu}, made by its
 * {@code make_freeu_reference.py.txt}): SD on odd-sized planes and a batch, and SDXL.
 */
class FreeUTest extends TinyModelTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "sd1 factors 96x80 euler | euler | 1.5,1.6,0.9,0.2 | 96 | 80 | 41 | 1",
      "1.3 1.4 0.7 0.3 64x64 dpmpp-2m batch 2 | dpmpp-2m | 1.3,1.4,0.7,0.3 | 64 | 64 | 42 | 2"})
  void matchesDiffusers(String name, String scheduler, String factors, int height, int width, long seed, int batch)
      throws URISyntaxException {
    GenerationResult result = sd.generate(request(scheduler, factors, height, width, seed, batch));
    TensorAssert.assertTensorClose(result.latents(), expected(name), name);
    assertTrue(result.parameters().infotext().contains("FreeU: \"b1="), result.parameters().infotext());
  }

  @Test
  void matchesDiffusersOnSdxl() throws URISyntaxException {
    String name = "sdxl factors 128x128 euler";
    try (StableDiffusion sdxl = StableDiffusion.builder().model(Path.of(FreeUTest.class.getResource("/sdxl/tiny-sdxl")
        .toURI())).backend("reference").build()) {
      TensorAssert.assertTensorClose(sdxl.generate(request("euler", "sdxl", 128, 128, 43, 1)).latents(),
          expected(name), name);
    }
  }

  @Test
  void factorsAreReadAndChecked() {
    assertEquals(Optional.of(FreeU.SD1), FreeU.named("sd1"));
    assertEquals(Optional.of(new FreeU(1.1, 1.2, 0.5, 0.25)), FreeU.named(" 1.1, 1.2,0.5 ,0.25"));
    assertEquals(Optional.of(FreeU.SDXL), FreeU.named(FreeU.SDXL.infotextValue()));
    assertEquals(Optional.empty(), FreeU.named("1,2,3"));
    assertEquals(Optional.empty(), FreeU.named("b2=1, b1=1, s1=1, s2=1"));
    assertEquals(Optional.empty(), FreeU.named("1.1,1.2,0,0.2"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FreeU(1, 1, 0, 1));
    assertTrue(e.getMessage().contains("positive"), e.getMessage());
  }

  private static GenerationRequest.Builder request(String scheduler, String factors, int height, int width, long seed,
      int batch) {
    return GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry").size(width, height).steps(3)
        .scheduler(scheduler).seed(seed).batchSize(batch).freeU(FreeU.named(factors).orElseThrow());
  }

  private static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(FreeUTest.class.getResource("/freeu/expected.safetensors").toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
