package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.CannyEdges;
import org.sdj.image.GenerationInfo;
import org.sdj.image.ResizeMode;
import org.sdj.image.TestPictures;
import org.sdj.io.ControlNetFixture;
import org.sdj.io.InpaintingFixture;
import org.sdj.io.SdxlFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.prompt.PromptChunk;
import org.sdj.prompt.PromptSyntax;
import org.sdj.tokenizer.ClipTokenizer;

/**
 * A ControlNet (diffusers' folder layout) steering the tiny SD 1.x model, against diffusers'
 * {@code StableDiffusionControlNetPipeline} (the tiny ControlNet and latents of {@code src/test/resources/controlnet},
 * made by its {@code make_tiny_controlnet.py.txt}): the control image's embedding, the zero convolutions' residuals in
 * the UNet's skip connections and mid block, their scale and window, with and without guidance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlNetTest {
  private StableDiffusion sd;

  @BeforeAll
  void open(@TempDir Path dir) {
    sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).controlNet(ControlNetFixture.folder(dir))
        .backend("reference").build();
  }

  @AfterAll
  void close() {
    sd.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "ddim scale 1 | ddim | 51 | 4 | 7.5 | 1.0 | 0.0 | 1.0 | blurry",
      "euler scale 0.6 window | euler | 52 | 6 | 5.0 | 0.6 | 0.2 | 0.7 | ''",
      "dpmpp-2m no guidance | dpmpp-2m | 53 | 4 | 1.0 | 1.3 | 0.0 | 1.0 | ''"})
  void matchesDiffusers(String name, String scheduler, long seed, int steps, double guidance, double scale,
      double start, double end, String negative) throws URISyntaxException {
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt(negative)
        .size(128, 128).steps(steps).scheduler(scheduler).guidanceScale(guidance).seed(seed);
    float[] expected = expected(name);
    GenerationResult controlled = sd.generate(request.control(new Control(ControlNetFixture.image(), scale, start,
        end)));
    TensorAssert.assertTensorClose(controlled.latents(), expected, name);
    assertTrue(controlled.parameters().infotext().contains("ControlNet 0: \"Module: none, Model: tiny-controlnet,"
        + " Weight: " + GenerationInfo.number(scale)), controlled.parameters().infotext());
    float[] alone = sd.generate(request.noControl()).latents();
    assertTrue(TensorAssert.relativeL2(alone, expected) > 0.01, "the ControlNet changes the picture");
  }

  /** A control image of another shape, brought to the picture's size by a unit's resize mode (A1111's). */
  @Test
  void aResizeModeBringsTheControlImageToThePictureAsThatModeWould() {
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").size(128, 128).steps(2)
        .scheduler("euler").seed(54);
    BufferedImage wide = TestPictures.pattern(160, 96, false);
    for (ResizeMode mode : List.of(ResizeMode.CROP_AND_RESIZE, ResizeMode.RESIZE_AND_FILL)) {
      float[] byMode = sd.generate(request.noControl().control(Control.of(wide).withResizeMode(mode))).latents();
      float[] byHand = sd.generate(request.noControl().control(Control.of(mode.apply(wide, 128, 128)))).latents();
      assertArrayEquals(byHand, byMode, mode.shortName());
      float[] stretched = sd.generate(request.noControl().control(Control.of(wide))).latents();
      assertFalse(Arrays.equals(stretched, byMode), mode + " differs from stretching");
    }
  }

  /** Guidance's halves run apart (A1111 prompts of three 75-token chunks against two) each get the control image. */
  @Test
  void halvesRunApartSeeTheControlImageToo() {
    String prompt = "a watercolor otter " + "in a river of colour ".repeat(30);
    String negative = "blurry, " + "dark, ".repeat(40);
    GenerationRequest.Builder request = GenerationRequest.prompt(prompt).negativePrompt(negative)
        .promptSyntax(PromptSyntax.A1111).size(64, 64).steps(3).scheduler("euler").seed(56);
    ClipTokenizer tokenizer = ClipTokenizer.load(TestFixtures.path("tiny-sd1/tokenizer"));
    assertEquals(3, PromptChunk.of(prompt, tokenizer).size());
    assertEquals(2, PromptChunk.of(negative, tokenizer).size());
    float[] apart = sd.generate(request.control(ControlNetFixture.image())).latents();
    float[] alone = sd.generate(request.noControl()).latents();
    assertTrue(TensorAssert.relativeL2(apart, alone) > 0.01, "the ControlNet steers both halves");
    assertTrue(Float.isFinite(apart[0]));
  }

  /** img2img steered by the ControlNet, as StableDiffusionControlNetImg2ImgPipeline (the ramp, strength 0.6). */
  @Test
  void img2imgMatchesDiffusers() throws URISyntaxException {
    float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry").steps(5)
        .scheduler("euler").guidanceScale(6).seed(55).initImage(SdxlFixture.ramp(), 0.6)
        .control(new Control(ControlNetFixture.image(), 0.9, 0, 1))).latents();
    TensorAssert.assertTensorClose(latents, expected("img2img euler"), "img2img with a ControlNet");
  }

  /**
   * A picture with the Canny preprocessor steers as its Canny edges given as the control image do (the preprocessor
   * runs before the resize, as A1111's does), and the infotext names it as A1111's Module.
   */
  @Test
  void theCannyPreprocessorGivesItsEdges() {
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").steps(2).scheduler("euler")
        .size(64, 64).seed(58);
    BufferedImage picture = SdxlFixture.ramp();
    GenerationResult preprocessed = sd.generate(request.control(Control.of(picture)
        .withPreprocessor(new ControlPreprocessor.Canny(20, 60))));
    float[] given = sd.generate(request.noControl().control(Control.of(CannyEdges.of(picture, 20, 60)))).latents();
    assertArrayEquals(given, preprocessed.latents());
    assertTrue(preprocessed.parameters().infotext().contains("ControlNet 0: \"Module: canny, Model: tiny-controlnet,"),
        preprocessed.parameters().infotext());
    assertEquals(Optional.of(new ControlPreprocessor.Canny(50, 150)), ControlPreprocessor.named("canny:50:150"));
    assertEquals(Optional.of(ControlPreprocessor.NONE), ControlPreprocessor.named("None"));
    assertEquals(Optional.of(ControlPreprocessor.INVERT), ControlPreprocessor.named("invert"));
    assertEquals(0xFFFFFF ^ (picture.getRGB(3, 5) & 0xFFFFFF),
        ControlPreprocessor.INVERT.apply(picture).getRGB(3, 5) & 0xFFFFFF);
    assertEquals(Optional.empty(), ControlPreprocessor.named("canny:50"));
    assertEquals(Optional.empty(), ControlPreprocessor.named("depth"));
  }

  /**
   * The hires fix with a ControlNet, as diffusers' ControlNet pipelines composed as A1111 runs the fix: the control
   * image at each pass's size.
   */
  @Test
  void theHiresFixSteersBothPasses() throws URISyntaxException {
    float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(4).scheduler("euler").guidanceScale(7.5).seed(57).hiresFix(2, 0.6)
        .control(new Control(ControlNetFixture.image(), 0.8, 0, 1))).latents();
    TensorAssert.assertTensorClose(latents, expected("hires euler 2x"), "hires fix with a ControlNet");
  }

  /**
   * Two ControlNets at once (the same tiny one twice, following the rings and the ramp), each with its scale and
   * window, their residuals added up as diffusers' {@code MultiControlNetModel} does.
   */
  @Test
  void twoControlNetsMatchDiffusers(@TempDir Path dir) throws URISyntaxException {
    Path folder = ControlNetFixture.folder(dir);
    try (StableDiffusion two = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).controlNet(folder)
        .controlNet(folder).backend("reference").build()) {
      GenerationResult result = two.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(4).scheduler("ddim").guidanceScale(7.5).seed(58)
          .control(new Control(ControlNetFixture.image(), 0.7, 0, 1))
          .control(new Control(SdxlFixture.ramp(), 0.5, 0.25, 0.75)));
      TensorAssert.assertTensorClose(result.latents(), expected("two ControlNets"), "two ControlNets");
      assertTrue(result.parameters().infotext().contains("ControlNet 1: \"Module: none, Model: tiny-controlnet,"
          + " Weight: 0.5, Guidance Start: 0.25, Guidance End: 0.75\""), result.parameters().infotext());
      InvalidRequestException one = assertThrows(InvalidRequestException.class, () -> two.generate(GenerationRequest
          .prompt("x").steps(2).control(ControlNetFixture.image())));
      assertTrue(one.getMessage().contains("1 control images for 2 ControlNets"), one.getMessage());
    }
  }

  /**
   * Inpainting with a ControlNet, as {@code StableDiffusionControlNetInpaintPipeline}: the tiny model's own UNet (the
   * image blended back outside the mask) and its 9-channel twin, whose mask and masked image the ControlNet does not
   * see ({@code make_controlnet_inpaint_reference.py.txt}).
   */
  @Test
  void inpaintingMatchesDiffusers(@TempDir Path dir) throws URISyntaxException, IOException {
    GenerationRequest.Builder blend = GenerationRequest.prompt("a watercolor otter").steps(4).scheduler("euler")
        .guidanceScale(7.5).seed(71).inpaint(InpaintingFixture.ramp(), InpaintingFixture.mask(), 1.0)
        .control(ControlNetFixture.image());
    TensorAssert.assertTensorClose(sd.generate(blend).latents(), expected("inpaint-expected.safetensors",
        "inpaint unet4 euler strength 1"), "inpainting (4 channels) with a ControlNet");
    try (StableDiffusion nine = StableDiffusion.builder().model(InpaintingFixture.nineChannelModel(dir.resolve("nine")))
        .controlNet(ControlNetFixture.folder(dir)).backend("reference").build()) {
      GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").steps(5).scheduler("ddim")
          .guidanceScale(7.5).seed(72).inpaint(InpaintingFixture.ramp(), InpaintingFixture.mask(), 0.6)
          .control(new Control(ControlNetFixture.image(), 0.7, 0, 1));
      TensorAssert.assertTensorClose(nine.generate(request).latents(), expected("inpaint-expected.safetensors",
          "inpaint unet9 ddim strength 0.6"), "inpainting (9 channels) with a ControlNet");
    }
  }

  /** An SDXL ControlNet takes the pooled text and time ids as the UNet does (StableDiffusionXLControlNetPipeline). */
  @Test
  void anSdxlControlNetMatchesDiffusers(@TempDir Path dir) throws URISyntaxException {
    try (StableDiffusion xl = StableDiffusion.builder().model(SdxlFixture.model(dir))
        .controlNet(ControlNetFixture.sdxlFolder(dir)).backend("reference").build();
        SafeTensorsFile expected = SafeTensorsFile.open(Path.of(ControlNetTest.class
            .getResource("/controlnet/sdxl-expected.safetensors").toURI()))) {
      GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(4).scheduler("euler").guidanceScale(5).seed(54);
      float[] want = expected.get("sdxl scale 0.8").toFloatArray();
      TensorAssert.assertTensorClose(xl.generate(request.control(new Control(ControlNetFixture.image(), 0.8, 0, 1)))
          .latents(), want, "SDXL ControlNet");
      assertTrue(TensorAssert.relativeL2(xl.generate(request.noControl()).latents(), want) > 0.01);
    }
  }

  /**
   * An SDXL ControlNet steering the base model's share of the ensemble with the refiner, whose steps run without it
   * (StableDiffusionXLControlNetPipeline with denoising_end, then the refiner's img2img): the ControlNet's window is a
   * fraction of the whole schedule, as diffusers counts controlnet_keep before denoising_end cuts the steps.
   */
  @Test
  void anSdxlControlNetSteersTheBaseBeforeTheRefiner(@TempDir Path dir) throws URISyntaxException {
    try (StableDiffusion xl = StableDiffusion.builder().model(SdxlFixture.model(dir))
        .controlNet(ControlNetFixture.sdxlFolder(dir)).refiner(SdxlFixture.refiner(dir)).backend("reference")
        .build()) {
      GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(10).scheduler("euler").guidanceScale(5).seed(59).refiner(0.8)
          .control(new Control(ControlNetFixture.image(), 0.8, 0.1, 0.7));
      TensorAssert.assertTensorClose(xl.generate(request).latents(), expected("sdxl-refiner-expected.safetensors",
          "sdxl with refiner at 0.8"), "SDXL ControlNet with the refiner");
    }
  }

  /**
   * The same ControlNet as one file in the original layout (A1111's {@code control_v11p_sd15_canny.pth}'s), its
   * config taken from the model's UNet and its control image encoder's shapes.
   */
  @Test
  void aSingleFileInTheOriginalLayoutMatchesDiffusers(@TempDir Path dir) throws URISyntaxException {
    try (StableDiffusion withFile = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1"))
        .controlNet(ControlNetFixture.singleFile(dir)).backend("reference").build()) {
      float[] latents = withFile.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(4).scheduler("ddim").guidanceScale(7.5).seed(51)
          .control(ControlNetFixture.image())).latents();
      TensorAssert.assertTensorClose(latents, expected("ddim scale 1"), "single-file ControlNet");
    }
    ModelLoadException notOne = assertThrows(ModelLoadException.class, () -> StableDiffusion.builder()
        .model(TestFixtures.path("tiny-sd1")).controlNet(TestFixtures.path("tiny-sd1/vae/diffusion_pytorch_model"
            + ".safetensors")).backend("reference").build());
    assertTrue(notOne.getMessage().contains("not a ControlNet in the original single-file layout"),
        notOne.getMessage());
  }

  @Test
  void requestsItCannotRunAreRefused(@TempDir Path dir) {
    InvalidRequestException scale = assertThrows(InvalidRequestException.class, () -> sd.generate(GenerationRequest
        .prompt("x").steps(2).control(new Control(ControlNetFixture.image(), -1, 0, 1))));
    assertTrue(scale.getMessage().contains("at least 0"), scale.getMessage());
    InvalidRequestException window = assertThrows(InvalidRequestException.class, () -> sd.generate(GenerationRequest
        .prompt("x").steps(2).control(new Control(ControlNetFixture.image(), 1, 0.5, 0.5))));
    assertTrue(window.getMessage().contains("0 <= start < end <= 1"), window.getMessage());
    try (StableDiffusion plain = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .build()) {
      InvalidRequestException none = assertThrows(InvalidRequestException.class,
          () -> plain.generate(GenerationRequest.prompt("x").steps(2).control(ControlNetFixture.image())));
      assertTrue(none.getMessage().contains("no ControlNet is loaded"), none.getMessage());
    }
    SdjException other = assertThrows(SdjException.class, () -> StableDiffusion.builder()
        .model(SdxlFixture.model(dir)).controlNet(ControlNetFixture.folder(dir)).backend("reference").build());
    assertTrue(other.getMessage().contains("was made for another model"), other.getMessage());
  }

  private static float[] expected(String name) throws URISyntaxException {
    return expected("expected.safetensors", name);
  }

  private static float[] expected(String file, String name) throws URISyntaxException {
    try (SafeTensorsFile expected = SafeTensorsFile.open(Path.of(ControlNetTest.class
        .getResource("/controlnet/" + file).toURI()))) {
      return expected.get(name).toFloatArray();
    }
  }
}
