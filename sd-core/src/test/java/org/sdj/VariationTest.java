package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * AUTOMATIC1111's variation seed on sdj's noise, against {@code src/test/resources/variation} (made by its
 * {@code make_variation_reference.py.txt} with A1111's slerp): the seed's noise blended image by image with the
 * variation seed's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VariationTest {
  private StableDiffusion sd;

  @BeforeAll
  void open() {
    sd = TinyModel.open();
  }

  @AfterAll
  void close() {
    sd.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {"batch 2 64x64 | 5 | 77 | 0.3 | 2 | 64 | 64", "one 64x96 | 12 | 13 | 0.85 | 1 | 64 | 96"})
  void blendsAsAutomatic1111(String name, long seed, long variationSeed, double strength, int batch, int width,
      int height) throws URISyntaxException {
    float[] noise = sd.initialNoise(GenerationRequest.prompt("x").size(width, height).batchSize(batch).seed(seed)
        .variation(variationSeed, strength).build());
    try (SafeTensorsFile expected = SafeTensorsFile.open(Path.of(VariationTest.class
        .getResource("/variation/expected.safetensors").toURI()))) {
      TensorAssert.assertTensorClose(noise, expected.get(name).toFloatArray(), name);
    }
  }

  @Test
  void theEndsAreTheTwoSeedsAndTheInfotextSaysIt() {
    GenerationRequest.Builder request = GenerationRequest.prompt("x").size(64, 64).seed(5);
    float[] own = sd.initialNoise(request.build());
    float[] other = sd.initialNoise(request.seed(77).build());
    TensorAssert.assertTensorClose(sd.initialNoise(request.seed(5).variation(77, 0).build()), own, "strength 0");
    TensorAssert.assertTensorClose(sd.initialNoise(request.variation(77, 1).build()), other, "strength 1");
    GenerationResult result = sd.generate(TinyModel.small("x").variation(77, 0.25));
    assertTrue(result.parameters().infotext().contains("Variation seed: 77, Variation seed strength: 0.25"),
        result.parameters().infotext());
    InvalidRequestException bad = assertThrows(InvalidRequestException.class,
        () -> sd.generate(TinyModel.small("x").variation(77, 1.5)));
    assertTrue(bad.getMessage().contains("in [0, 1]"), bad.getMessage());
    assertArrayEquals(own, sd.initialNoise(request.noVariation().build()));
  }

  @Test
  void theHiresPassDrawsTheVariationSeedsNoiseToo() {
    // At strength 1 the variation seed's noise is all of both passes' noise (A1111 draws both again at the hires
    // pass's size): with a deterministic scheduler the main seed no longer counts.
    GenerationRequest.Builder request = GenerationRequest.prompt("x").size(64, 64).steps(3).scheduler("euler")
        .hiresFix(2, 0.6).variation(77, 1);
    assertArrayEquals(sd.generate(request.seed(5)).latents(), sd.generate(request.seed(6)).latents());
  }
}
