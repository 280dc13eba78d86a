package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.backend.DType;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.TestPictures;
import org.sdj.io.InpaintingFixture;
import org.sdj.io.SdxlFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;
import org.sdj.prompt.PromptSyntax;

/**
 * An SDXL pipeline folder against diffusers' {@code StableDiffusionXLPipeline}: the tiny random SDXL model of
 * {@code src/test/resources/sdxl} and the final latents diffusers gives on it (made by its
 * {@code make_tiny_sdxl.py.txt}): two text encoders, the pooled embedding and time ids through {@code add_embedding},
 * zeros for an empty negative prompt, clip skip counted from the penultimate layer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SdxlTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private StableDiffusion sd;

  @BeforeAll
  void open() throws URISyntaxException {
    sd = StableDiffusion.builder().model(resource("tiny-sdxl")).backend("reference").build();
  }

  @AfterAll
  void close() {
    sd.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "euler unset negative | euler | a watercolor otter | '' | 128 | 192 | 4 | 5.0 | 1 | 3 | 1",
      "dpmpp-2m negative batch 2 | dpmpp-2m | a watercolor otter | blurry | 112 | 176 | 3 | 7.0 | 1 | 9 | 2",
      "euler-a clip skip 2 no guidance | euler-a | an otter in a river of colour | '' | 128 | 128 | 3 | 1.0 | 2 | 5"
          + " | 1"})
  void matchesDiffusers(String name, String scheduler, String prompt, String negative, int height, int width,
      int steps, double guidance, int clipSkip, long seed, int batch) throws URISyntaxException {
    GenerationResult result = sd.generate(GenerationRequest.prompt(prompt).negativePrompt(negative)
        .size(width, height).steps(steps).scheduler(scheduler).guidanceScale(guidance).clipSkip(clipSkip)
        .seed(seed).batchSize(batch));
    TensorAssert.assertTensorClose(result.latents(), expected(name), name);
  }

  /**
   * A kohya SDXL LoRA on the UNet and both text encoders ({@code lora_unet_}, {@code lora_te1_}, {@code lora_te2_}:
   * 258 layers, made by {@code make_sdxl_lora_reference.py.txt}) merged at 0.8 gives what diffusers gives with
   * {@code load_lora_weights} and {@code fuse_lora}.
   */
  @Test
  void aKohyaLoraOnAllThreeModelsMatchesDiffusers() throws URISyntaxException {
    try (StableDiffusion withLora = StableDiffusion.builder().model(resource("tiny-sdxl")).backend("reference")
        .lora(resource("kohya-lora.safetensors"), 0.8).build();
        SafeTensorsFile expected = SafeTensorsFile.open(resource("lora-expected.safetensors"))) {
      float[] latents = withLora.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(3).scheduler("euler").guidanceScale(5).seed(12)).latents();
      TensorAssert.assertTensorClose(latents, expected.get("latents").toFloatArray(), "SDXL LoRA");
    }
  }

  /**
   * An SDXL textual-inversion embedding (clip_l and clip_g vectors, made by
   * {@code make_sdxl_embedding_reference.py.txt}) called by its name in an A1111-syntax prompt gives what diffusers
   * gives with it loaded into both text encoders by {@code load_textual_inversion}.
   */
  @Test
  void anEmbeddingForBothEncodersMatchesDiffusers() throws URISyntaxException {
    try (StableDiffusion withEmbedding = StableDiffusion.builder().model(resource("tiny-sdxl")).backend("reference")
        .embedding(resource("otterstyle-xl.safetensors")).build();
        SafeTensorsFile expected = SafeTensorsFile.open(resource("embedding-expected.safetensors"))) {
      float[] latents = withEmbedding.generate(GenerationRequest.prompt("a watercolor otterstyle-xl by the sea")
          .negativePrompt("blurry").promptSyntax(PromptSyntax.A1111).size(128, 128).steps(3).scheduler("euler")
          .guidanceScale(5).seed(14)).latents();
      TensorAssert.assertTensorClose(latents, expected.get("latents").toFloatArray(), "SDXL embedding");
    }
  }

  @Test
  void embeddingsForTheOtherFamilyAreRefused() throws URISyntaxException {
    SdjException sd1OnXl = assertThrows(SdjException.class, () -> StableDiffusion.builder()
        .model(resource("tiny-sdxl")).backend("reference")
        .embedding(Path.of(SdxlTest.class.getResource("/embedding/otterstyle.safetensors").toURI())).build());
    assertTrue(sd1OnXl.getMessage().contains("this SDXL model has two"), sd1OnXl.getMessage());
    SdjException xlOnSd1 = assertThrows(SdjException.class, () -> StableDiffusion.builder()
        .model(TestFixtures.path("tiny-sd1")).backend("reference")
        .embedding(resource("otterstyle-xl.safetensors")).build());
    assertTrue(xlOnSd1.getMessage().contains("is an SDXL embedding"), xlOnSd1.getMessage());
  }

  /**
   * kohya's SDXL LoRAs name UNet layers as Stability's code does ({@code input_blocks.N.1...}): the same factors under
   * that name and under diffusers' merge alike.
   */
  @Test
  void aLoraNamedTheOriginalWayMergesAsDiffusersNamesDo(@TempDir Path dir) throws IOException, URISyntaxException {
    String original = "lora_unet_input_blocks_3_1_transformer_blocks_0_attn2_to_k";
    String diffusers = "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k";
    float[][] latents = new float[2][];
    for (int i = 0; i < 2; i++) {
      String key = i == 0 ? original : diffusers;
      Path lora = dir.resolve(i + ".safetensors");
      float[] down = new float[4 * 40];
      float[] up = new float[16 * 4];
      for (int j = 0; j < down.length; j++) {
        down[j] = (float) Math.sin(j);
      }
      for (int j = 0; j < up.length; j++) {
        up[j] = (float) Math.cos(j);
      }
      SafeTensorsWriter.create().add(key + ".lora_down.weight", DType.F32, new long[] {4, 40}, down)
          .add(key + ".lora_up.weight", DType.F32, new long[] {16, 4}, up).write(lora);
      try (StableDiffusion withLora = StableDiffusion.builder().model(resource("tiny-sdxl")).backend("reference")
          .lora(lora, 1).build()) {
        latents[i] = withLora.generate(GenerationRequest.prompt("otter").size(64, 64).steps(2).seed(2)).latents();
      }
    }
    assertArrayEquals(latents[1], latents[0]);
    assertFalse(Arrays.equals(latents[0], sd.generate(GenerationRequest.prompt("otter").size(64, 64).steps(2)
        .seed(2)).latents()));
  }

  /** img2img from a color ramp, as diffusers' {@code StableDiffusionXLImg2ImgPipeline} (its posterior and noise draws). */
  @Test
  void img2imgMatchesDiffusers() throws URISyntaxException {
    try (SafeTensorsFile expected = SafeTensorsFile.open(resource("img2img-expected.safetensors"))) {
      float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .steps(5).scheduler("euler").guidanceScale(5).seed(8).initImage(SdxlFixture.ramp(), 0.6)).latents();
      TensorAssert.assertTensorClose(latents, expected.get("latents").toFloatArray(), "SDXL img2img");
    }
  }

  /**
   * Inpainting with SDXL base's 4-channel UNet (the image blended back outside the mask after each step), as diffusers'
   * {@code StableDiffusionXLInpaintPipeline}.
   */
  @Test
  void inpaintingMatchesDiffusers() throws URISyntaxException {
    BufferedImage mask = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
    for (int y = 16; y < 80; y++) {
      for (int x = 32; x < 96; x++) {
        mask.setRGB(x, y, 0xffffff);
      }
    }
    try (SafeTensorsFile expected = SafeTensorsFile.open(resource("inpaint-expected.safetensors"))) {
      float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .steps(5).scheduler("euler").guidanceScale(5).seed(9).inpaint(SdxlFixture.ramp(), mask, 0.7)).latents();
      TensorAssert.assertTensorClose(latents, expected.get("latents").toFloatArray(), "SDXL inpainting");
    }
  }

  /**
   * Inpainting with an SDXL inpainting UNet (9 input channels, as stable-diffusion-xl-1.0-inpainting-0.1: the mask and
   * the masked image's latents beside the latents), as diffusers' {@code StableDiffusionXLInpaintPipeline}
   * ({@code make_sdxl_inpaint9_reference.py.txt}).
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {"euler strength 1 | euler | 1.0 | 4 | 21", "ddim strength 0.6 | ddim | 0.6 | 5 | 22"})
  void anInpaintingUNetMatchesDiffusers(String name, String scheduler, double strength, int steps, long seed,
      @TempDir Path dir) throws URISyntaxException, IOException {
    BufferedImage mask = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
    for (int y = 16; y < 80; y++) {
      for (int x = 32; x < 96; x++) {
        mask.setRGB(x, y, 0xffffff);
      }
    }
    try (StableDiffusion nine = StableDiffusion.builder().model(InpaintingFixture.nineChannelModel(
        SdxlFixture.model(dir), dir.resolve("tiny-sdxl-inpainting"))).backend("reference").build();
        SafeTensorsFile expected = SafeTensorsFile.open(resource("inpaint9-expected.safetensors"))) {
      float[] latents = nine.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .steps(steps).scheduler(scheduler).guidanceScale(5).seed(seed).inpaint(SdxlFixture.ramp(), mask, strength))
          .latents();
      TensorAssert.assertTensorClose(latents, expected.get(name).toFloatArray(), "SDXL inpainting UNet, " + name);
    }
  }

  /** Seamless tiling on SDXL: every convolution of its UNet and VAE wrapped, as with SD 1.x. */
  @Test
  void tilesAsDiffusersWithCircularConvolutions() throws URISyntaxException {
    try (SafeTensorsFile expected = SafeTensorsFile.open(resource("tiling-masked-expected.safetensors"))) {
      float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(4).guidanceScale(5).seed(21).tiling(Tiling.BOTH)).latents();
      TensorAssert.assertTensorClose(latents, expected.get("tiling").toFloatArray(), "SDXL tiling");
    }
  }

  /** The masked area alone on SDXL, as StableDiffusionXLInpaintPipeline's padding_mask_crop. */
  @Test
  void inpaintsTheMaskedAreaAloneAsDiffusers() throws URISyntaxException {
    try (SafeTensorsFile expected = SafeTensorsFile.open(resource("tiling-masked-expected.safetensors"))) {
      GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(4).guidanceScale(5).seed(22)
          .inpaint(TestPictures.pattern(160, 128, false), TestPictures.mask(0, 160, 128)).inpaintOnlyMasked(8));
      TensorAssert.assertTensorClose(result.latents(), expected.get("only masked latents").toFloatArray(),
          "SDXL only masked");
      float[] actual = TestPictures.bytes(result.images().getFirst());
      float[] picture = expected.get("only masked picture").toFloatArray();
      for (int i = 0; i < actual.length; i++) {
        actual[i] /= 255;
        picture[i] /= 255;
      }
      TensorAssert.assertImageClose(actual, picture, "SDXL only masked picture");
    }
  }

  @Test
  void defaultSizeIsTheUNetsSampleSize() {
    GenerationResult result = sd.generate(GenerationRequest.prompt("otter").steps(1).seed(1));
    assertEquals(128, result.images().getFirst().getWidth());
    assertEquals(128, result.images().getFirst().getHeight());
  }

  @Test
  void anEmptyNegativePromptIsNotTheEncodedEmptyText() {
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").size(64, 64).steps(2).seed(4);
    float[] zeros = sd.generate(request.negativePrompt("")).latents();
    float[] space = sd.generate(request.negativePrompt(" ")).latents();
    assertFalse(Arrays.equals(zeros, space));
    assertTrue(Float.isFinite(zeros[0]));
  }

  @Test
  void aModelWithoutItsSecondTextEncoderIsRefused(@TempDir Path dir) throws IOException {
    Path model = SdxlFixture.model(dir);
    ObjectNode index = (ObjectNode) JSON.readTree(model.resolve("model_index.json").toFile());
    index.remove("text_encoder_2");
    JSON.writeValue(model.resolve("model_index.json").toFile(), index);
    try (Stream<Path> files = Files.walk(model.resolve("text_encoder_2"))) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> StableDiffusion.builder().model(model).backend("reference").build());
    assertTrue(e.getMessage().contains("needs a second text encoder (text_encoder_2)"), e.getMessage());
  }

  @Test
  void widthsThatDoNotAddUpAreReportedAtLoad(@TempDir Path dir) throws IOException {
    Path model = SdxlFixture.model(dir);
    Path config = model.resolve("text_encoder_2/config.json");
    ObjectNode text = (ObjectNode) JSON.readTree(config.toFile());
    text.put("projection_dim", 21);
    JSON.writeValue(config.toFile(), text);
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> StableDiffusion.builder().model(model).backend("reference").build());
    assertTrue(e.getMessage().contains("text_encoder_2's projection_dim is 21"), e.getMessage());
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(SdxlTest.class.getResource("/sdxl/" + name).toURI());
  }

  private static float[] expected(String name) throws URISyntaxException {
    try (SafeTensorsFile file = SafeTensorsFile.open(resource("expected.safetensors"))) {
      return file.get(name).toFloatArray();
    }
  }
}
