package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.prompt.PromptSyntax;

/**
 * SDXL's own conditioning ({@link SdxlConditioning}: second prompts, size and crop ids) against diffusers'
 * {@code StableDiffusionXLPipeline} on the tiny SDXL of {@code src/test/resources/sdxl} (latents made by its
 * {@code make_sdxl_conditioning_reference.py.txt}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SdxlConditioningTest {
  private StableDiffusion sd;

  @BeforeAll
  void open() throws URISyntaxException {
    sd = StableDiffusion.builder().model(resource("tiny-sdxl")).backend("reference").build();
  }

  @AfterAll
  void close() {
    sd.close();
  }

  /** diffusers' {@code original_size=(256, 192), crops_coords_top_left=(16, 8), target_size=(96, 160)}. */
  private static GenerationRequest.Builder secondPromptsAndSizes() {
    return GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry").size(160, 128).steps(3)
        .scheduler("euler").guidanceScale(5).seed(21).sdxl(SdxlConditioning.builder()
            .prompt2("an oil painting of a fox").negativePrompt2("dark").originalSize(192, 256).cropTopLeft(16, 8)
            .targetSize(160, 96).build());
  }

  @Test
  void secondPromptsAndSizesMatchDiffusers() throws URISyntaxException {
    float[] expected = expected("second prompts and sizes");
    TensorAssert.assertTensorClose(sd.generate(secondPromptsAndSizes()).latents(), expected, "prompt_2 and sizes");
    // Without them the picture is another: the case tests what it says.
    GenerationRequest plain = secondPromptsAndSizes().sdxl(SdxlConditioning.DEFAULT).build();
    assertTrue(TensorAssert.relativeL2(sd.generate(plain).latents(), expected) > 0.02);
  }

  /** The negative sizes and crop for the unconditional half, whose text is zeros (an empty negative prompt). */
  @Test
  void negativeSizesMatchDiffusers() throws URISyntaxException {
    float[] expected = expected("negative sizes, zeros negative");
    GenerationRequest.Builder request = GenerationRequest.prompt("an otter in a river of colour").size(128, 112)
        .steps(3).scheduler("dpmpp-2m").guidanceScale(5).seed(22);
    SdxlConditioning.Builder sizes = SdxlConditioning.builder().originalSize(512, 512).negativeOriginalSize(64, 64)
        .negativeCropTopLeft(4, 2).negativeTargetSize(80, 96);
    TensorAssert.assertTensorClose(sd.generate(request.sdxl(sizes.build())).latents(), expected, "negative sizes");
    float[] positiveOnly = sd.generate(request.sdxl(SdxlConditioning.builder().originalSize(512, 512).build()))
        .latents();
    assertTrue(TensorAssert.relativeL2(positiveOnly, expected) > 0.01);
  }

  @Test
  void aSecondPromptEqualToThePromptChangesNothing() {
    GenerationRequest.Builder request = GenerationRequest.prompt("a (watercolor:1.2) otter").negativePrompt("blurry")
        .promptSyntax(PromptSyntax.A1111).size(64, 64).steps(2).seed(3);
    float[] alone = sd.generate(request).latents();
    float[] twice = sd.generate(request.sdxl(SdxlConditioning.builder().prompt2("a (watercolor:1.2) otter")
        .negativePrompt2("blurry").build())).latents();
    assertArrayEquals(alone, twice);
  }

  /** A1111's syntax with a second prompt of more chunks than the first: both encoders' chunks are padded alike. */
  @Test
  void promptsOfDifferentChunkCountsAreEncodedTogether() {
    String longPrompt = "otter, ".repeat(60) + "BREAK river";
    GenerationRequest.Builder request = GenerationRequest.prompt("a fox").promptSyntax(PromptSyntax.A1111)
        .size(64, 64).steps(2).seed(3);
    float[] latents = sd.generate(request.sdxl(SdxlConditioning.builder().prompt2(longPrompt).build())).latents();
    float[] reversed = sd.generate(request.prompt(longPrompt).sdxl(SdxlConditioning.builder().prompt2("a fox")
        .build())).latents();
    assertEquals(2 * 4 * 8 * 8 / 2, latents.length);
    assertTrue(Float.isFinite(latents[0]) && Float.isFinite(reversed[0]));
    assertTrue(TensorAssert.relativeL2(latents, reversed) > 1e-3);
  }

  @Test
  void aModelOfOneTextEncoderRefusesSdxlConditioning() {
    try (StableDiffusion sd1 = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .build()) {
      InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd1.generate(GenerationRequest
          .prompt("x").steps(1).sdxl(SdxlConditioning.builder().prompt2("y").build())));
      assertTrue(e.getMessage().contains("for SDXL models"), e.getMessage());
    }
  }

  @Test
  void sizesOutsideTheirRangeAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> SdxlConditioning.builder().originalSize(0, 512));
    assertThrows(IllegalArgumentException.class, () -> SdxlConditioning.builder().cropTopLeft(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> SdxlConditioning.builder().targetSize(512, 20000));
  }

  @Test
  void timeIdsAreDiffusersOrder() {
    SdxlConditioning c = SdxlConditioning.builder().originalSize(30, 40).cropTopLeft(5, 6).build();
    SdxlConditioning.Size picture = new SdxlConditioning.Size(70, 80);
    assertArrayEquals(new double[] {40, 30, 5, 6, 80, 70}, c.timeIds(picture, false));
    assertArrayEquals(new double[] {40, 30, 5, 6, 80, 70}, c.negativeTimeIds(picture, false));
    assertArrayEquals(new double[] {80, 70, 0, 0, 80, 70}, SdxlConditioning.DEFAULT.timeIds(picture, false));
    // The refiner's: the aesthetic score in place of the target size; diffusers' (0, 0) for the negative crop.
    assertArrayEquals(new double[] {40, 30, 5, 6, 6.0}, c.timeIds(picture, true));
    assertArrayEquals(new double[] {40, 30, 0, 0, 2.5}, c.negativeTimeIds(picture, true));
    // Both negative sizes given: StableDiffusionXLPipeline reads its (0, 0) default for the negative crop too.
    SdxlConditioning both = c.toBuilder().negativeOriginalSize(10, 20).negativeTargetSize(30, 40).build();
    assertArrayEquals(new double[] {20, 10, 0, 0, 40, 30}, both.negativeTimeIds(picture, false));
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(SdxlConditioningTest.class.getResource("/sdxl/" + name).toURI());
  }

  private static float[] expected(String name) throws URISyntaxException {
    try (SafeTensorsFile file = SafeTensorsFile.open(resource("conditioning-expected.safetensors"))) {
      return file.get(name).toFloatArray();
    }
  }
}
