package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.ControlNetFixture;
import org.sdj.io.IpAdapterFixture;
import org.sdj.io.SdxlFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * IP-Adapters steering the tiny SD 1.x model with an image prompt, against diffusers' {@code StableDiffusionPipeline}
 * after {@code load_ip_adapter} (the tiny adapters, image encoder and latents of {@code src/test/resources/ip-adapter},
 * made by its {@code make_ip_adapter_reference.py.txt}): the image encoder and CLIP's preprocessing, the plain
 * projection ({@code .bin}), IP-Adapter Plus's resampler ({@code .safetensors}) and the full-face feed-forward, the
 * image tokens' own keys and values in every cross-attention block in diffusers' order, the scale, with and without
 * guidance.
 */
class IpAdapterTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "plain euler scale 1 | ip-adapter.bin | euler | 61 | 4 | 7.5 | 1.0 | blurry",
      "plain dpmpp-2m scale 0.6 no guidance | ip-adapter.bin | dpmpp-2m | 62 | 4 | 1.0 | 0.6 | ''",
      "plus ddim scale 0.8 | ip-adapter-plus.safetensors | ddim | 63 | 4 | 6.0 | 0.8 | blurry",
      "full face euler scale 0.9 | ip-adapter-full-face.bin | euler | 66 | 4 | 7.5 | 0.9 | blurry"})
  void matchesDiffusers(String name, String file, String scheduler, long seed, int steps, double guidance,
      double scale, String negative, @TempDir Path dir) {
    Path adapter = IpAdapterFixture.adapter(dir, file);
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).ipAdapter(adapter)
        .backend("reference").build()) {
      GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt(negative)
          .size(128, 128).steps(steps).scheduler(scheduler).guidanceScale(guidance).seed(seed);
      float[] expected = expected(dir, name);
      GenerationResult prompted = sd.generate(request.imagePrompt(new ImagePrompt(ControlNetFixture.image(), scale)));
      TensorAssert.assertTensorClose(prompted.latents(), expected, name);
      String model = file.substring(0, file.lastIndexOf('.'));
      assertTrue(prompted.parameters().infotext().contains("ControlNet 0: \"Module: ip-adapter, Model: " + model),
          prompted.parameters().infotext());
      float[] alone = sd.generate(request.noImagePrompt()).latents();
      assertTrue(TensorAssert.relativeL2(alone, expected) > 0.01, "the image prompt changes the picture");
      float[] off = sd.generate(request.noImagePrompt().imagePrompt(new ImagePrompt(ControlNetFixture.image(), 0)))
          .latents();
      assertEquals(0, TensorAssert.relativeL2(off, alone), 1e-6, "scale 0 is the text alone");
    }
  }

  /**
   * Two IP-Adapters at once, each with its image and scale, sharing one image encoder (diffusers' lists of adapters):
   * every cross-attention block adds both image prompts' attentions.
   */
  @Test
  void twoAdaptersMatchDiffusers(@TempDir Path dir) {
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1"))
        .ipAdapter(IpAdapterFixture.plain(dir)).ipAdapter(IpAdapterFixture.plus(dir)).backend("reference").build()) {
      GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(4).scheduler("euler").guidanceScale(7.5).seed(65)
          .imagePrompt(new ImagePrompt(ControlNetFixture.image(), 0.7))
          .imagePrompt(new ImagePrompt(SdxlFixture.ramp(), 0.5)));
      TensorAssert.assertTensorClose(result.latents(), expected(dir, "two adapters"), "two IP-Adapters");
      assertTrue(result.parameters().infotext().contains("ControlNet 1: \"Module: ip-adapter, Model: ip-adapter-plus,"
          + " Weight: 0.5"), result.parameters().infotext());
    }
  }

  /** With a ControlNet, which reads the text alone while the UNet reads the image tokens too (one replay for both). */
  @Test
  void withAControlNetMatchesDiffusers(@TempDir Path dir) {
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1"))
        .controlNet(ControlNetFixture.folder(dir)).ipAdapter(IpAdapterFixture.plain(dir)).backend("reference")
        .build()) {
      float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(4).scheduler("euler").guidanceScale(7.5).seed(68)
          .control(new Control(ControlNetFixture.image(), 0.8, 0, 1))
          .imagePrompt(new ImagePrompt(SdxlFixture.ramp(), 0.7))).latents();
      TensorAssert.assertTensorClose(latents, expected(dir, "plain with a ControlNet"), "IP-Adapter and ControlNet");
    }
  }

  /** SDXL's IP-Adapters take the same path (StableDiffusionXLPipeline with ip-adapter_sdxl's layout). */
  @Test
  void anSdxlIpAdapterMatchesDiffusers(@TempDir Path dir) {
    try (StableDiffusion xl = StableDiffusion.builder().model(SdxlFixture.model(dir)).ipAdapter(IpAdapterFixture
        .sdxl(dir)).backend("reference").build();
        SafeTensorsFile expected = SafeTensorsFile.open(IpAdapterFixture.sdxlExpected(dir))) {
      GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(4).scheduler("euler").guidanceScale(5).seed(64);
      float[] want = expected.get("sdxl euler scale 0.7").toFloatArray();
      TensorAssert.assertTensorClose(xl.generate(request.imagePrompt(new ImagePrompt(ControlNetFixture.image(), 0.7)))
          .latents(), want, "SDXL IP-Adapter");
      assertTrue(TensorAssert.relativeL2(xl.generate(request.noImagePrompt()).latents(), want) > 0.01);
    }
  }

  @Test
  void requestsItCannotRunAreRefused(@TempDir Path dir) {
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1"))
        .ipAdapter(IpAdapterFixture.plain(dir)).backend("reference").build()) {
      InvalidRequestException scale = assertThrows(InvalidRequestException.class, () -> sd.generate(GenerationRequest
          .prompt("x").steps(2).imagePrompt(new ImagePrompt(ControlNetFixture.image(), -1))));
      assertTrue(scale.getMessage().contains("at least 0"), scale.getMessage());
      InvalidRequestException two = assertThrows(InvalidRequestException.class, () -> sd.generate(GenerationRequest
          .prompt("x").steps(2).imagePrompt(ControlNetFixture.image()).imagePrompt(ControlNetFixture.image())));
      assertTrue(two.getMessage().contains("2 image prompts for 1 IP-Adapters"), two.getMessage());
    }
    try (StableDiffusion plain = TinyModel.open()) {
      InvalidRequestException none = assertThrows(InvalidRequestException.class,
          () -> plain.generate(GenerationRequest.prompt("x").steps(2).imagePrompt(ControlNetFixture.image())));
      assertTrue(none.getMessage().contains("no IP-Adapter is loaded"), none.getMessage());
    }
  }

  @Test
  void adaptersItCannotLoadAreRefused(@TempDir Path dir) throws IOException {
    Path alone = Files.createDirectories(dir.resolve("alone")).resolve("ip-adapter.bin");
    Files.copy(IpAdapterFixture.plain(dir), alone);
    SdjException noEncoder = assertThrows(SdjException.class, () -> StableDiffusion.builder()
        .model(TestFixtures.path("tiny-sd1")).ipAdapter(alone).backend("reference").build());
    assertTrue(noEncoder.getMessage().contains("needs its image encoder"), noEncoder.getMessage());
    SdjException other = assertThrows(SdjException.class, () -> StableDiffusion.builder()
        .model(SdxlFixture.model(dir)).ipAdapter(IpAdapterFixture.plain(dir)).backend("reference").build());
    assertTrue(other.getMessage().contains("it was made for another model"), other.getMessage());
  }

  private static float[] expected(Path dir, String name) {
    try (SafeTensorsFile expected = SafeTensorsFile.open(IpAdapterFixture.expected(dir))) {
      return expected.get(name).toFloatArray();
    }
  }
}
