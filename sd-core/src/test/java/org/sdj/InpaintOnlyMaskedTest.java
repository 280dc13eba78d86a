package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.Images;
import org.sdj.image.MaskCropTest;
import org.sdj.image.TestPictures;
import org.sdj.io.ControlNetFixture;
import org.sdj.io.TestFixtures;

/**
 * Inpainting of the masked area alone against diffusers' {@code StableDiffusionInpaintPipeline} with
 * {@code padding_mask_crop} on the tiny model ({@code src/test/resources/mask-crop}): the region's latents at the
 * float32 tolerance, and the picture put back into the 96x80 original within two levels of 255 (8-bit pictures on
 * both sides, whose float ties may round apart).
 */
class InpaintOnlyMaskedTest extends TinyModelTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({"inpaint euler mask 0 pad 8 at 64x64, euler, 0, 8, 64, 64, 1.0, 81",
      "inpaint ddim mask 1 pad 4 at 48x64 strength 0.7, ddim, 1, 4, 48, 64, 0.7, 82"})
  void matchesDiffusers(String name, String scheduler, int k, int padding, int width, int height, double strength,
      long seed) throws URISyntaxException {
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .steps(4).scheduler(scheduler).seed(seed).size(width, height)
        .inpaint(TestPictures.pattern(96, 80, false), TestPictures.mask(k, 96, 80), strength)
        .inpaintOnlyMasked(padding));
    assertMatches(result, name);
    String info = result.parameters().infotext();
    assertTrue(info.contains("Inpaint area: Only masked, Masked area padding: " + padding)
        && info.contains("Size: " + width + "x" + height), info);
  }

  /** A blurred mask (diffusers' mask processor's blur, A1111's Mask blur): a wider region, laid back softly. */
  @Test
  void aBlurredMaskIsLaidBackSoftly() throws URISyntaxException {
    String name = "inpaint euler mask 0 blur 4 pad 8 at 64x64";
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .steps(4).scheduler("euler").seed(84).size(64, 64)
        .inpaint(TestPictures.pattern(96, 80, false), TestPictures.mask(0, 96, 80)).maskBlur(4).inpaintOnlyMasked(8));
    assertMatches(result, name);
    assertTrue(result.parameters().infotext().contains("Mask blur: 4, Inpaint area: Only masked"),
        result.parameters().infotext());
  }

  /** "Inpaint not masked": the same as the inverted mask, inverted before it is blurred (as A1111 does). */
  @Test
  void anInvertedMaskIsTheMasksNegative() {
    BufferedImage picture = TestPictures.pattern(96, 80, false);
    BufferedImage mask = TestPictures.mask(0, 96, 80);
    GenerationRequest.Builder request = GenerationRequest.prompt("x").steps(2).scheduler("euler").seed(5)
        .size(64, 64);
    GenerationResult inverted = sd.generate(request.inpaint(picture, mask).invertMask(true).maskBlur(2));
    GenerationResult byHand = sd.generate(request.inpaint(picture, Images.inverted(mask)).invertMask(false)
        .maskBlur(2));
    assertArrayEquals(byHand.latents(), inverted.latents());
    assertArrayEquals(TestPictures.bytes(byHand.images().getFirst()), TestPictures.bytes(inverted.images().getFirst()));
    assertTrue(inverted.parameters().infotext().contains("Mask blur: 2, Mask mode: Inpaint not masked"),
        inverted.parameters().infotext());
  }

  /** With a ControlNet, whose control image is cut and filled as the picture is (ControlNet inpainting's crop). */
  @Test
  void aControlImageIsCutAsThePictureIs(@TempDir Path dir) throws URISyntaxException {
    String name = "controlnet euler mask 0 pad 8 at 64x64";
    try (StableDiffusion controlled = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1"))
        .controlNet(ControlNetFixture.folder(dir)).backend("reference").build()) {
      GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .steps(4).scheduler("euler").seed(83).size(64, 64)
          .inpaint(TestPictures.pattern(96, 80, false), TestPictures.mask(0, 96, 80)).inpaintOnlyMasked(8);
      assertMatches(controlled.generate(request.control(new Control(TestPictures.pattern(96, 80, true), 0.8, 0, 1))),
          name);
      InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> controlled.generate(request
          .noControl().control(Control.of(TestPictures.pattern(64, 64, true)))));
      assertTrue(e.getMessage().contains("cuts both alike"), e.getMessage());
    }
  }

  /** The region's latents at the float32 tolerance, the picture within two levels of 255. */
  private static void assertMatches(GenerationResult result, String name) throws URISyntaxException {
    TensorAssert.assertTensorClose(result.latents(), MaskCropTest.expected(name + " latents"), name);
    BufferedImage picture = result.images().get(0);
    assertEquals(96, picture.getWidth());
    assertEquals(80, picture.getHeight());
    float[] actual = TestPictures.bytes(picture);
    float[] expected = MaskCropTest.expected(name + " picture");
    for (int i = 0; i < actual.length; i++) {
      actual[i] /= 255;
      expected[i] /= 255;
    }
    TensorAssert.assertImageClose(actual, expected, name + " picture");
  }

  @Test
  void theNativeSizeIsTheDefaultAndAMaskOfAnotherSizeIsRefused() {
    GenerationResult result = sd.generate(GenerationRequest.prompt("x").steps(1).seed(1)
        .inpaint(TestPictures.pattern(96, 80, false), TestPictures.mask(0, 96, 80)).inpaintOnlyMasked(8));
    assertEquals(1L * 4 * 16 * 16, result.latents().length, "the tiny model's native 128x128");
    assertEquals(96, result.images().get(0).getWidth());
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd.generate(GenerationRequest
        .prompt("x").steps(1).inpaint(TestPictures.pattern(96, 80, false), TestPictures.mask(0, 80, 80))
        .inpaintOnlyMasked(8)));
    assertTrue(e.getMessage().contains("the same size"), e.getMessage());
    e = assertThrows(InvalidRequestException.class, () -> sd.generate(GenerationRequest.prompt("x").steps(1)
        .inpaint(TestPictures.pattern(96, 80, false), new BufferedImage(96, 80, BufferedImage.TYPE_INT_RGB))
        .inpaintOnlyMasked(8)));
    assertTrue(e.getMessage().contains("black everywhere"), e.getMessage());
    e = assertThrows(InvalidRequestException.class, () -> sd.generate(GenerationRequest.prompt("x").steps(1)
        .initImage(TestPictures.pattern(96, 80, false), 0.5).inpaintOnlyMasked(8)));
    assertTrue(e.getMessage().contains("needs a picture and its mask"), e.getMessage());
  }
}
