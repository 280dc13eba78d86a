package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.conformance.Tolerances;
import org.sdj.image.TorchInterpolate;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * AUTOMATIC1111's hires fix with its upscalers, on the tiny model; against diffusers' pipelines composed as the
 * fix runs (src/test/resources/hires, made by its {@code make_hires_reference.py.txt}).
 */
class HiresFixTest extends TinyModelTest {
  /**
   * A picture upscaler's path rounds the first pass to 8-bit pictures between the passes, where values within float
   * rounding of a tie round either way: 1/255 on a few of the pixels, which the second pass carries into its latents.
   * Measured: 1.0e-4 against diffusers in float64 (1.8e-4 against it in float32); the latent upscalers' cases, without
   * the rounding, stay within {@link Tolerances#FLOAT32}'s 1e-4 at 1.6e-6 to 1.8e-6.
   */
  static final Tolerances THROUGH_8_BIT_PICTURES = new Tolerances(1e-3, Tolerances.FLOAT32.imageAbs());

  /** diffusers' txt2img, torch's bilinear interpolate, then its img2img on the latents, one generator throughout. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "euler 2x at 0.7 | euler | 61 | 64 | 64 | 2.0 | 0.7 | 4 | 4 | 7.5 | blurry",
      "dpmpp-2m 1.5x at 0.5, 6 hires steps | dpmpp-2m | 62 | 80 | 64 | 1.5 | 0.5 | 3 | 6 | 5.0 | ''"})
  void matchesDiffusersComposed(String name, String scheduler, long seed, int width, int height, double scale,
      double strength, int steps, int hiresSteps, double guidance, String negative) throws URISyntaxException {
    float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt(negative)
        .size(width, height).steps(steps).scheduler(scheduler).guidanceScale(guidance).seed(seed)
        .hiresFix(new HiresFix(scale, strength, hiresSteps == steps ? 0 : hiresSteps))).latents();
    try (SafeTensorsFile expected = SafeTensorsFile.open(Path.of(HiresFixTest.class
        .getResource("/hires/expected.safetensors").toURI()))) {
      TensorAssert.assertTensorClose(latents, expected.get(name).toFloatArray(), name);
    }
  }

  /** The second pass with a sampler and a guidance scale of its own (A1111's Hires sampler, Forge's Hires CFG Scale). */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "euler then dpmpp-2m-karras at cfg 5 | euler | dpmpp-2m-karras | 71 | 4 | 5 | 7.5 | 5.0",
      "euler-a then euler | euler-a | euler | 72 | 3 | 4 | 6.0 | 6.0"})
  void aSecondPassSamplerAndGuidance(String name, String scheduler, String hiresScheduler, long seed, int steps,
      int hiresSteps, double guidance, double hiresGuidance) throws URISyntaxException {
    HiresFix fix = new HiresFix(2, 0.6, hiresSteps).withScheduler(hiresScheduler);
    if (hiresGuidance != guidance) {
      fix = fix.withGuidanceScale(hiresGuidance);
    }
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(steps).scheduler(scheduler).guidanceScale(guidance).seed(seed).hiresFix(fix));
    try (SafeTensorsFile expected = SafeTensorsFile.open(Path.of(HiresFixTest.class
        .getResource("/hires/sampler-expected.safetensors").toURI()))) {
      TensorAssert.assertTensorClose(result.latents(), expected.get(name).toFloatArray(), name);
    }
    String info = result.parameters().infotext();
    assertTrue(hiresScheduler.equals("euler") ? info.endsWith("Hires sampler: Euler")
        : info.contains("Hires sampler: DPM++ 2M, Hires schedule type: Karras, Hires CFG Scale: 5"), info);
  }

  @Test
  void anUnknownSecondPassSamplerIsRefusedBeforeAnyWork() {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd.generate(TinyModel.small("x")
        .hiresFix(new HiresFix(2, 0.6, 0).withScheduler("eulr"))));
    assertTrue(e.getMessage().contains("unknown scheduler 'eulr'"), e.getMessage());
  }

  /**
   * A1111's other upscalers: its latent ones (torch's interpolate in their modes) and Lanczos (the first pass decoded to
   * 8-bit pictures, resized by Pillow's LANCZOS and encoded again), as the generator composes diffusers' pipelines;
   * and DPM2 a, which draws noise at half its model calls, so that the second pass's draws must follow exactly.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "euler 1.5x latent-bicubic at 0.6 | euler | 63 | 64 | 64 | 1.5 | 0.6 | latent-bicubic | 1",
      "euler 2x latent-nearest-exact at 0.6 | euler | 64 | 48 | 64 | 2.0 | 0.6 | Latent (nearest-exact) | 1",
      "euler 1.5x latent-nearest at 0.6 | euler | 65 | 64 | 64 | 1.5 | 0.6 | latent-nearest | 1",
      "euler 2x lanczos at 0.5, batch 2 | euler | 66 | 64 | 64 | 2.0 | 0.5 | Lanczos | 2",
      "dpm2-a 2x latent at 0.6 | dpm2-a | 67 | 64 | 64 | 2.0 | 0.6 | latent | 1",
      "euler 1.5x latent-antialiased at 0.6 | euler | 68 | 48 | 64 | 1.5 | 0.6 | Latent (antialiased) | 1",
      "euler 2x latent-bicubic-antialiased at 0.6 | euler | 69 | 64 | 64 | 2.0 | 0.6 | latent-bicubic-antialiased | 1"})
  void otherUpscalersMatchDiffusersComposed(String name, String scheduler, long seed, int width, int height,
      double scale, double strength, String upscaler, int batch) throws URISyntaxException {
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(width, height).steps(3).scheduler(scheduler).guidanceScale(7.5).seed(seed).batchSize(batch)
        .hiresFix(new HiresFix(scale, strength, 0, HiresFix.Upscaler.named(upscaler).orElseThrow())));
    HiresFix.Upscaler chosen = HiresFix.Upscaler.named(upscaler).orElseThrow();
    try (SafeTensorsFile expected = SafeTensorsFile.open(Path.of(HiresFixTest.class
        .getResource("/hires/expected.safetensors").toURI()))) {
      TensorAssert.assertTensorClose(result.latents(), expected.get(name).toFloatArray(), name,
          chosen.latentMode().isPresent() ? Tolerances.FLOAT32 : THROUGH_8_BIT_PICTURES);
    }
    assertTrue(result.parameters().infotext().contains("Hires upscaler: "
        + HiresFix.Upscaler.named(upscaler).orElseThrow().a1111Name()), result.parameters().infotext());
  }

  @Test
  void latentsAreEnlargedAsTorchsBilinearInterpolate() {
    float[] x = new float[2 * 3 * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = i * 0.37f - 1.1f;
    }
    // torch.nn.functional.interpolate(x.reshape(1, 2, 3, 4), size=(7, 9), mode="bilinear", antialias=False)
    float[] row0 = {-1.1f, -1.038333f, -0.873889f, -0.709444f, -0.545f, -0.380556f, -0.216111f, -0.051667f, 0.01f};
    float[] row3 = {0.38f, 0.441667f, 0.606111f, 0.770556f, 0.935f, 1.099444f, 1.263889f, 1.428333f, 1.49f};
    float[] plane1Row6 = {6.3f, 6.361667f, 6.526111f, 6.690556f, 6.855f, 7.019445f, 7.183889f, 7.348334f, 7.41f};
    float[] y = TorchInterpolate.resize(x, new long[] {1, 2, 3, 4}, 7, 9, TorchInterpolate.Mode.BILINEAR);
    assertEquals(2 * 7 * 9, y.length);
    for (int i = 0; i < 9; i++) {
      assertEquals(row0[i], y[i], 2e-6);
      assertEquals(row3[i], y[3 * 9 + i], 2e-6);
      assertEquals(plane1Row6[i], y[63 + 6 * 9 + i], 2e-6);
    }
  }

  @Test
  void aSecondPassAtTwiceTheSize() {
    List<String> events = new CopyOnWriteArrayList<>();
    GenerationRequest.Builder request = TinyModel.small("an otter").hiresFix(2, 0.5).listener(event ->
        events.add(event.step() + "/" + event.totalSteps() + " " + event.preview().getWidth()));
    GenerationResult result = sd.generate(request);
    BufferedImage image = result.images().get(0);
    assertEquals(128, image.getWidth());
    assertEquals(128, image.getHeight());
    assertEquals(4 * 16 * 16, result.latents().length);
    // Three steps at 64x64, then int(3 * 0.5) = 1 at 128x128 (latent previews of 8 and 16).
    assertEquals(List.of("1/3 8", "2/3 8", "3/3 8", "1/1 16"), events);
    assertEquals(64, result.parameters().width());
    String infotext = result.parameters().infotext();
    assertTrue(infotext.contains("Denoising strength: 0.5") && infotext.contains("Hires upscale: 2")
        && infotext.contains("Hires upscaler: Latent") && !infotext.contains("Hires steps"), infotext);
    assertArrayEquals(result.latents(), sd.generate(request.listener(StepListener.NONE)).latents());
  }

  /**
   * A1111's Nearest and None picture upscalers: at twice the size Lanczos's pass is the size exactly, so None's fit
   * alone gives the same picture; Nearest enlarges by repeating pixels first, another picture.
   */
  @Test
  void nearestAndNonePictureUpscalers() {
    GenerationRequest.Builder request = TinyModel.small("an otter");
    GenerationResult lanczos = sd.generate(request.hiresFix(new HiresFix(2, 0.6, 2, HiresFix.Upscaler.LANCZOS)));
    GenerationResult none = sd.generate(request.hiresFix(new HiresFix(2, 0.6, 2, HiresFix.Upscaler.NONE)));
    GenerationResult nearest = sd.generate(request.hiresFix(new HiresFix(2, 0.6, 2, HiresFix.Upscaler.NEAREST)));
    assertArrayEquals(lanczos.latents(), none.latents());
    assertFalse(java.util.Arrays.equals(lanczos.latents(), nearest.latents()));
    assertTrue(nearest.parameters().infotext().contains("Hires upscaler: Nearest"), nearest.parameters().infotext());
    assertTrue(none.parameters().infotext().contains("Hires upscaler: None"), none.parameters().infotext());
  }

  /** A hires sampler of its own walks the request's timestep spacing, as A1111 walks one schedule for both passes. */
  @Test
  void aHiresSamplerOfItsOwnKeepsTheTimestepSpacing() {
    List<Double> timesteps = new CopyOnWriteArrayList<>();
    sd.generate(TinyModel.small("x").schedulerOverride("timestep_spacing", "linspace")
        .hiresFix(new HiresFix(2, 0.6, 3).withScheduler("lms")).listener(e -> timesteps.add(e.timestep())));
    // Three first-pass steps, then int(3 * 0.6) = 1 of LMS's linspace schedule [999, 499.5, 0] (leading: 667, 334, 1).
    assertEquals(List.of(999.0, 499.5, 0.0, 0.0), timesteps);
  }

  @Test
  void ownStepsAndAnOddScale() {
    GenerationResult result = sd.generate(TinyModel.small("x").hiresFix(new HiresFix(1.5, 0.7, 4)));
    // (int) (64 * 1.5) = 96.
    assertEquals(96, result.images().get(0).getWidth());
    assertTrue(result.parameters().infotext().contains("Hires steps: 4"), result.parameters().infotext());
  }

  @Test
  void theSecondPassTakesItsOwnPromptsWhereGiven() {
    GenerationRequest.Builder request = TinyModel.small("a cat").negativePrompt("blurry");
    HiresFix fix = new HiresFix(1.5, 0.7, 2);
    GenerationResult plain = sd.generate(request.hiresFix(fix));
    // The request's own prompts given again: the same picture, and no field for them.
    GenerationResult same = sd.generate(request.hiresFix(fix.withPrompts("a cat", "blurry")));
    assertArrayEquals(plain.latents(), same.latents());
    assertFalse(same.parameters().infotext().contains("Hires prompt"), same.parameters().infotext());
    GenerationResult other = sd.generate(request.hiresFix(fix.withPrompts("a dog", "dark")));
    assertFalse(java.util.Arrays.equals(plain.latents(), other.latents()));
    assertTrue(other.parameters().infotext().contains("Hires prompt: a dog, Hires negative prompt: dark"),
        other.parameters().infotext());
  }

  @Test
  void refusedWhereItCannotRun() {
    assertRefused(TinyModel.small("x").hiresFix(1.0, 0.5), "scale must be in (1, 4]");
    assertRefused(TinyModel.small("x").hiresFix(2, 0), "strength must be in (0, 1]");
    assertRefused(TinyModel.small("x").hiresFix(new HiresFix(2, 0.5, -1)), "steps must be in 0..");
    assertRefused(TinyModel.small("x").size(2048, 2048).hiresFix(4, 0.5), "8192x8192");
    assertRefused(TinyModel.small("x").initImage(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), 0.5)
        .hiresFix(2, 0.5), "init image");
  }

  private void assertRefused(GenerationRequest.Builder request, String part) {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd.generate(request));
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}
