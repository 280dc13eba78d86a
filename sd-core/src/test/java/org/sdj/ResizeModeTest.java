package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.ResizeMode;
import org.sdj.image.TestPictures;

/**
 * A1111's resize modes for img2img's and inpainting's image and mask of another shape than the request's: the same as
 * the image (and mask) brought to that size by the mode beforehand ({@link ResizeMode}'s resizes are checked against
 * diffusers' image processor byte for byte in {@code MaskCropTest}).
 */
class ResizeModeTest extends TinyModelTest {
  private static final BufferedImage WIDE = TestPictures.pattern(96, 56, false);
  private static final BufferedImage WIDE_MASK = TestPictures.mask(0, 96, 56);

  @ParameterizedTest
  @EnumSource(value = ResizeMode.class, names = {"CROP_AND_RESIZE", "RESIZE_AND_FILL"})
  void img2imgAndInpaintingBringTheImageAndMaskToTheSizeByTheMode(ResizeMode mode) {
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").size(64, 64).steps(2)
        .scheduler("euler").seed(55);
    float[] byMode = sd.generate(request.initImage(WIDE, 0.6).resizeMode(mode)).latents();
    float[] byHand = sd.generate(request.initImage(mode.apply(WIDE, 64, 64), 0.6)
        .resizeMode(ResizeMode.JUST_RESIZE)).latents();
    assertArrayEquals(byHand, byMode);
    float[] stretched = sd.generate(request.initImage(WIDE, 0.6)).latents();
    assertTrue(TensorAssert.relativeL2(stretched, byMode) > 1e-3, "differs from stretching");

    float[] inpainted = sd.generate(request.inpaint(WIDE, WIDE_MASK).resizeMode(mode)).latents();
    float[] inpaintedByHand = sd.generate(request.inpaint(mode.apply(WIDE, 64, 64), mode.apply(WIDE_MASK, 64, 64))
        .resizeMode(ResizeMode.JUST_RESIZE)).latents();
    assertArrayEquals(inpaintedByHand, inpainted);
  }

  @ParameterizedTest
  @EnumSource(ResizeMode.class)
  void namesRoundTrip(ResizeMode mode) {
    assertEquals(Optional.of(mode), ResizeMode.named(mode.shortName()));
    assertEquals(Optional.of(mode), ResizeMode.named(mode.shortName().replace('-', ' ').toUpperCase()));
  }
}
