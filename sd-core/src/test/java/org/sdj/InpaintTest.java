package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.io.InpaintingFixture.SIZE;
import static org.sdj.io.InpaintingFixture.expected;
import static org.sdj.io.InpaintingFixture.mask;
import static org.sdj.io.InpaintingFixture.nineChannelModel;
import static org.sdj.io.InpaintingFixture.ramp;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.Images;

/**
 * Inpainting through the public API against diffusers' {@code StableDiffusionInpaintPipeline}
 * ({@link org.sdj.io.InpaintingFixture}): the tiny fixture model as it is (a 4-channel UNet, whose loop blends the
 * image back outside the mask) and with its {@code conv_in} widened to 9 input channels (an inpainting UNet), both
 * from the same ramp image and mask.
 */
class InpaintTest extends TinyModelTest {
  @TempDir
  static Path dir;
  private StableDiffusion inpainting;

  @BeforeAll
  void openInpaintingModel() throws IOException {
    inpainting = StableDiffusion.builder().model(nineChannelModel(dir.resolve("tiny-sd1-inpainting")))
        .backend("reference").build();
  }

  @AfterAll
  void closeInpaintingModel() {
    inpainting.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "unet9 euler-a strength 1, 9, euler-a, 4, 1.0, 7, 1",
      "unet9 ddim strength 0.6 batch 2, 9, ddim, 5, 0.6, 11, 2",
      "unet4 euler strength 1, 4, euler, 4, 1.0, 7, 1",
      "unet4 dpmpp-2m strength 0.75 batch 2, 4, dpmpp-2m, 6, 0.75, 3, 2",
      "unet4 euler-a strength 0.8, 4, euler-a, 5, 0.8, 5, 1"})
  void matchesDiffusersInpaintPipeline(String name, int channels, String scheduler, int steps, double strength,
      long seed, int batch) {
    StableDiffusion model = channels == 9 ? inpainting : sd;
    GenerationResult result = model.generate(GenerationRequest.prompt("a watercolor otter").steps(steps)
        .scheduler(scheduler).seed(seed).batchSize(batch).inpaint(ramp(), mask(), strength));
    TensorAssert.assertTensorClose(result.latents(), expected(name), name);
    assertEquals(OptionalDouble.of(strength), result.parameters().strength());
  }

  @Test
  void theMaskIsGrayBinarizedAtHalfAndResizedWithTheImage() {
    float[] mask = Images.toMask(mask(), SIZE, SIZE);
    assertEquals(1f, mask[8 * SIZE + 16]);
    assertEquals(1f, mask[39 * SIZE + 55]);
    assertEquals(0f, mask[39 * SIZE + 56]);
    assertEquals(0f, mask[7 * SIZE + 30]);
    float[] half = Images.toMask(mask(), SIZE / 2, SIZE / 2);
    assertEquals(SIZE * SIZE / 4, half.length);
    assertEquals(1f, half[12 * (SIZE / 2) + 16]);
    assertEquals(0f, half[30 * (SIZE / 2) + 16]);
  }

  @Test
  void anAllBlackMaskKeepsTheImageOfABlendingModel() {
    BufferedImage black = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    GenerationRequest.Builder request = GenerationRequest.prompt("x").steps(3).scheduler("euler").seed(2);
    float[] kept = sd.generate(request.inpaint(ramp(), black)).latents();
    float[] encoded = sd.generate(request.inpaint(ramp(), black, 0.5)).latents();
    // Nothing to repaint: after the last step the image's own latents (its one posterior sample) are put back whole.
    assertArrayEquals(encoded, kept);
  }

  @Test
  void txt2imgAndImg2imgOnAnInpaintingModelRepaintTheWholePicture() {
    BufferedImage white = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        white.setRGB(x, y, 0xFFFFFF);
      }
    }
    // As AUTOMATIC1111 runs an inpainting model outside its inpaint tab: the mask all white, the picture masked out
    // (so any picture, here the mask's own, gives the same).
    GenerationResult txt2img = inpainting.generate(txt2img().build());
    assertArrayEquals(inpainting.generate(txt2img().inpaint(mask(), white)).latents(), txt2img.latents());
    assertEquals(OptionalDouble.empty(), txt2img.parameters().strength());
    assertArrayEquals(inpainting.generate(img2img().inpaint(ramp(), white, 0.5)).latents(),
        inpainting.generate(img2img().initImage(ramp(), 0.5)).latents());
  }

  private static GenerationRequest.Builder txt2img() {
    return GenerationRequest.prompt("x").size(SIZE, SIZE).steps(3).scheduler("euler-a").seed(6);
  }

  private static GenerationRequest.Builder img2img() {
    return GenerationRequest.prompt("x").steps(4).scheduler("ddim").seed(8);
  }

  @Test
  void aMaskWithoutAnImageIsRefused() {
    GenerationRequest request = GenerationRequest.prompt("x").steps(2).inpaint(ramp(), mask()).build();
    GenerationRequest noImage = new GenerationRequest(request.prompt(), request.negativePrompt(),
        request.promptSyntax(), request.emphasis(), request.width(), request.height(), request.steps(),
        request.guidanceScale(), request.guidanceRescale(), request.clipSkip(), request.scheduler(),
        request.schedulerOverrides(), request.seed(), request.batchSize(),
        request.initialNoise(), Optional.empty(), request.resizeMode(), request.strength(), request.mask(),
        request.maskBlur(), request.invertMask(), request.maskedContent(), request.onlyMaskedPadding(),
        request.hiresFix(), request.sdUpscale(),
        request.refinerSwitchAt(), request.controls(), request.imagePrompts(), request.variation(), request.noise(),
        request.freeU(), request.pag(), request.img2imgSteps(),
        request.tiling(),
        request.sdxl(),
        request.listener(),
        request.cancellation());
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd.generate(noImage));
    assertTrue(e.getMessage().contains("mask needs the image"), e.getMessage());
  }

  @Test
  void aMaskOfAnotherSizeIsResizedToTheImage() {
    BufferedImage big = Images.resize(mask(), 2 * SIZE, 2 * SIZE);
    GenerationResult result = sd.generate(GenerationRequest.prompt("x").steps(2).scheduler("euler").seed(4)
        .inpaint(ramp(), big));
    assertEquals(SIZE, result.images().get(0).getWidth());
  }
}
