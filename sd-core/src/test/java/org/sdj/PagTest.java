package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.pipeline.PerturbedAttentionGuidance;
import org.sdj.prompt.PromptSyntax;

/**
 * Perturbed-attention guidance against diffusers' PAG pipelines ({@code src/test/resources/pag}, made by its
 * {@code make_pag_reference.py.txt}): the mid block, other layers with an adaptive scale and guidance rescale, no
 * classifier-free guidance, and SDXL.
 */
class PagTest extends TinyModelTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "mid 3 euler batch 2 | euler | mid | 3 | 0 | 7.5 | 0 | 3 | 51 | 2",
      "up_blocks.1 down_blocks.1 adaptive rescale dpmpp-2m | dpmpp-2m | up_blocks.1 down_blocks.1 | 2 | 0.002 | 6"
          + " | 0.5 | 4 | 52 | 1",
      "mid 1.5 no guidance euler-a | euler-a | mid | 1.5 | 0 | 1 | 0 | 3 | 53 | 1"})
  void matchesDiffusers(String name, String scheduler, String layers, double scale, double adaptive, double guidance,
      double rescale, int steps, long seed, int batch) throws URISyntaxException {
    PerturbedAttentionGuidance pag = new PerturbedAttentionGuidance(scale, adaptive, List.of(layers.split(" ")));
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(steps).scheduler(scheduler).guidanceScale(guidance)
        .guidanceRescale(rescale).seed(seed).batchSize(batch).pag(pag));
    TensorAssert.assertTensorClose(result.latents(), expected(name), name);
    assertTrue(result.parameters().infotext().contains("PAG scale: "), result.parameters().infotext());
  }

  @Test
  void matchesDiffusersOnSdxl() throws URISyntaxException {
    String name = "sdxl mid 3 euler";
    try (StableDiffusion sdxl = StableDiffusion.builder().model(Path.of(PagTest.class.getResource("/sdxl/tiny-sdxl")
        .toURI())).backend("reference").build()) {
      TensorAssert.assertTensorClose(sdxl.generate(GenerationRequest.prompt("a watercolor otter")
          .negativePrompt("blurry").size(128, 128).steps(3).scheduler("euler").guidanceScale(5).seed(54)
          .pag(PerturbedAttentionGuidance.DEFAULT)).latents(), expected(name), name);
    }
  }

  /**
   * Prompts whose contexts run apart (A1111's syntax: two chunks of prompt, three of negative prompt) keep each row
   * where guidance takes it: at scale 0 the perturbed rows weigh nothing and the latents are those without PAG, bit
   * for bit. Composable prompts and unknown layers are refused.
   */
  @Test
  void callsApartKeepTheirRowsAndMisfitsAreRefused() {
    GenerationRequest.Builder request = TinyModel.small(String.join(" ", Collections.nCopies(90, "otter")))
        .promptSyntax(PromptSyntax.A1111).negativePrompt(String.join(" ", Collections.nCopies(160, "blurry")))
        .batchSize(2);
    float[] plain = sd.generate(request).latents();
    assertArrayEquals(plain, sd.generate(request.pag(PerturbedAttentionGuidance.DEFAULT.withScale(0))).latents());
    assertFalse(Arrays.equals(plain, sd.generate(request.pag(PerturbedAttentionGuidance.DEFAULT)).latents()),
        "PAG changes the picture");
    InvalidRequestException composed = assertThrows(InvalidRequestException.class,
        () -> sd.generate(TinyModel.small("a cat AND a dog").promptSyntax(PromptSyntax.A1111)
            .pag(PerturbedAttentionGuidance.DEFAULT)));
    assertTrue(composed.getMessage().contains("composable prompts"), composed.getMessage());
    InvalidRequestException layer = assertThrows(InvalidRequestException.class,
        () -> sd.generate(TinyModel.small("x").pag(PerturbedAttentionGuidance.DEFAULT.withLayers(List.of("middle")))));
    assertTrue(layer.getMessage().contains("PAG layer middle names none"), layer.getMessage());
  }

  private static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(PagTest.class.getResource("/pag/expected.safetensors").toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
