package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.SdxlFixture;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * SDXL's refiner as a pipeline folder (one text encoder, text_encoder_2; five time ids ending with an aesthetic
 * score), against diffusers' {@code StableDiffusionXLImg2ImgPipeline} on the tiny refiner of
 * {@code src/test/resources/sdxl} (made by its {@code make_tiny_sdxl_refiner.py.txt}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SdxlRefinerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private StableDiffusion sd;

  @BeforeAll
  void open(@TempDir Path dir) {
    sd = StableDiffusion.builder().model(SdxlFixture.refiner(dir)).backend("reference").build();
  }

  @AfterAll
  void close() {
    sd.close();
  }

  /** An empty negative prompt is the encoded empty text here: the refiner's force_zeros_for_empty_prompt is false. */
  @Test
  void img2imgMatchesDiffusers() throws URISyntaxException {
    float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").steps(5).scheduler("euler")
        .guidanceScale(5).seed(31).initImage(ramp(), 0.6)).latents();
    TensorAssert.assertTensorClose(latents, expected("img2img"), "refiner img2img");
  }

  @Test
  void aestheticScoresAndSizesMatchDiffusers() throws URISyntaxException {
    SdxlConditioning conditioning = SdxlConditioning.builder().aestheticScores(7.5, 2.0).originalSize(384, 512)
        .cropTopLeft(8, 16).build();
    GenerationRequest.Builder request = GenerationRequest.prompt("an otter in a river of colour")
        .negativePrompt("blurry").steps(6).scheduler("dpmpp-2m").guidanceScale(6).seed(32).initImage(ramp(), 0.5);
    float[] expected = expected("aesthetic scores and sizes");
    TensorAssert.assertTensorClose(sd.generate(request.sdxl(conditioning)).latents(), expected,
        "refiner aesthetic scores");
    float[] defaults = sd.generate(request.sdxl(SdxlConditioning.builder().originalSize(384, 512).cropTopLeft(8, 16)
        .build())).latents();
    assertTrue(TensorAssert.relativeL2(defaults, expected) > 0.05, "the scores change the picture");
  }

  @Test
  void itsNativeSizeIsTheUNetsSampleSize() {
    GenerationResult result = sd.generate(GenerationRequest.prompt("otter").steps(1).seed(1));
    assertEquals(128, result.images().getFirst().getWidth());
  }

  /** With requires_aesthetics_score false the UNet's widths do not add up, and the message says which flag to set. */
  @Test
  void aRefinerWithoutItsAestheticFlagIsExplained(@TempDir Path other) throws IOException {
    Path copy = SdxlFixture.refiner(other);
    ObjectNode index = (ObjectNode) JSON.readTree(copy.resolve("model_index.json").toFile());
    index.put("requires_aesthetics_score", false);
    JSON.writeValue(copy.resolve("model_index.json").toFile(), index);
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> StableDiffusion.builder().model(copy).backend("reference").build());
    assertTrue(e.getMessage().contains("set model_index.json's requires_aesthetics_score to true"), e.getMessage());
  }

  private static BufferedImage ramp() {
    BufferedImage ramp = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 128; y++) {
      for (int x = 0; x < 128; x++) {
        ramp.setRGB(x, y, (x * 255 / 128) << 16 | (y * 255 / 128) << 8 | 128);
      }
    }
    return ramp;
  }

  private static float[] expected(String name) throws URISyntaxException {
    try (SafeTensorsFile file = SafeTensorsFile.open(Path.of(SdxlRefinerTest.class
        .getResource("/sdxl/refiner-expected.safetensors").toURI()))) {
      return file.get(name).toFloatArray();
    }
  }
}
