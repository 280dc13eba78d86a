package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.SdxlFixture;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * SDXL's refiner as a pipeline folder (one text encoder, text_encoder_2; five time ids ending with an aesthetic
 * score), against diffusers' {@code StableDiffusionXLImg2ImgPipeline} on the tiny refiner of
 * {@code src/test/resources/sdxl} (made by its {@code make_tiny_sdxl_refiner.py.txt}); and taking over from the base
 * model, as diffusers' ensemble of expert denoisers ({@code make_sdxl_ensemble_reference.py.txt}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SdxlRefinerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private StableDiffusion sd;
  /** The tiny SDXL with the tiny refiner beside it. */
  private StableDiffusion ensemble;

  @BeforeAll
  void open(@TempDir Path dir) {
    Path refiner = SdxlFixture.refiner(dir);
    sd = StableDiffusion.builder().model(refiner).backend("reference").build();
    ensemble = StableDiffusion.builder().model(SdxlFixture.model(dir)).refiner(refiner).backend("reference").build();
  }

  @AfterAll
  void close() {
    sd.close();
    ensemble.close();
  }

  /**
   * The base model's loop stopped at the switch ({@code denoising_end}), its noisy latents continued by the refiner
   * ({@code denoising_start}) with a scheduler of its own; an empty negative prompt is zeros for the base and the
   * encoded empty text for the refiner, as their model indexes say.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "euler at 0.8 | euler | 0.8 | 10 | 5.0 | 41 | a watercolor otter | blurry",
      "dpmpp-2m at 0.6 | dpmpp-2m | 0.6 | 8 | 6.0 | 42 | an otter in a river of colour | ''"})
  void theEnsembleOfExpertsMatchesDiffusers(String name, String scheduler, double switchAt, int steps,
      double guidance, long seed, String prompt, String negative) throws URISyntaxException {
    GenerationRequest.Builder request = GenerationRequest.prompt(prompt).negativePrompt(negative).size(128, 128)
        .steps(steps).scheduler(scheduler).guidanceScale(guidance).seed(seed);
    GenerationResult refined = ensemble.generate(request.refiner(switchAt));
    float[] expected = expected(name, "ensemble-expected.safetensors");
    TensorAssert.assertTensorClose(refined.latents(), expected, name);
    assertTrue(refined.parameters().infotext().contains("Refiner: tiny-sdxl-refiner, Refiner switch at: "
        + switchAt), refined.parameters().infotext());
    float[] baseAlone = ensemble.generate(request.noRefiner()).latents();
    assertTrue(TensorAssert.relativeL2(baseAlone, expected) > 0.01, "the refiner changes the picture");
  }

  @Test
  void refinerRequestsThatCannotRunAreRefused() {
    InvalidRequestException none = assertThrows(InvalidRequestException.class,
        () -> sd.generate(GenerationRequest.prompt("x").steps(2).refiner(0.8)));
    assertTrue(none.getMessage().contains("none is loaded"), none.getMessage());
    InvalidRequestException range = assertThrows(InvalidRequestException.class,
        () -> ensemble.generate(GenerationRequest.prompt("x").steps(2).refiner(1.0)));
    assertTrue(range.getMessage().contains("must be in (0, 1)"), range.getMessage());
    InvalidRequestException hires = assertThrows(InvalidRequestException.class, () -> ensemble.generate(
        GenerationRequest.prompt("x").size(64, 64).steps(2).refiner(0.8).hiresFix(1.5, 0.5)));
    assertTrue(hires.getMessage().contains("not with the hires fix"), hires.getMessage());
    InvalidRequestException early = assertThrows(InvalidRequestException.class,
        () -> ensemble.generate(GenerationRequest.prompt("x").size(64, 64).steps(2).refiner(0.01)));
    assertTrue(early.getMessage().contains("leaves none of the 2 steps"), early.getMessage());
  }

  /** An empty negative prompt is the encoded empty text here: the refiner's force_zeros_for_empty_prompt is false. */
  @Test
  void img2imgMatchesDiffusers() throws URISyntaxException {
    float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").steps(5).scheduler("euler")
        .guidanceScale(5).seed(31).initImage(SdxlFixture.ramp(), 0.6)).latents();
    TensorAssert.assertTensorClose(latents, expected("img2img", "refiner-expected.safetensors"), "refiner img2img");
  }

  @Test
  void aestheticScoresAndSizesMatchDiffusers() throws URISyntaxException {
    SdxlConditioning conditioning = SdxlConditioning.builder().aestheticScores(7.5, 2.0).originalSize(384, 512)
        .cropTopLeft(8, 16).build();
    GenerationRequest.Builder request = GenerationRequest.prompt("an otter in a river of colour")
        .negativePrompt("blurry").steps(6).scheduler("dpmpp-2m").guidanceScale(6).seed(32)
        .initImage(SdxlFixture.ramp(), 0.5);
    float[] expected = expected("aesthetic scores and sizes", "refiner-expected.safetensors");
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

  private static float[] expected(String name, String file) throws URISyntaxException {
    try (SafeTensorsFile expected = SafeTensorsFile.open(Path.of(SdxlRefinerTest.class
        .getResource("/sdxl/" + file).toURI()))) {
      return expected.get(name).toFloatArray();
    }
  }
}
