package org.sdj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * {@link ResizeMode} and {@link MaskCrop} against diffusers' {@code VaeImageProcessor} (Pillow 12), byte for byte
 * ({@code src/test/resources/mask-crop}, made by its {@code make_mask_crop_reference.py.txt}).
 */
public class MaskCropTest {
  @ParameterizedTest(name = "{0} {1}x{2} -> {3}x{4}")
  @CsvSource({"fill, 29, 17, 16, 16", "crop, 29, 17, 16, 16", "fill, 13, 31, 20, 16", "crop, 13, 31, 20, 16",
      "fill, 29, 17, 24, 8", "fill, 29, 17, 8, 24", "fill, 30, 20, 15, 10", "crop, 33, 21, 16, 11",
      "fill, 40, 41, 40, 40"})
  void resizesAsDiffusers(String mode, int w, int h, int w2, int h2) throws URISyntaxException {
    ResizeMode m = mode.equals("fill") ? ResizeMode.RESIZE_AND_FILL : ResizeMode.CROP_AND_RESIZE;
    assertArrayEquals(expected("resize " + mode + " " + w + "x" + h + " -> " + w2 + "x" + h2),
        TestPictures.bytes(m.apply(TestPictures.pattern(w, h, false), w2, h2)));
  }

  @ParameterizedTest(name = "mask {0} pad {1} for {2}x{3}")
  @CsvSource({"0, 8, 64, 64", "0, 0, 64, 48", "1, 32, 64, 64", "1, 4, 48, 64", "2, 8, 64, 64", "2, 40, 32, 64"})
  void findsDiffusersRegion(int k, int pad, int w2, int h2) throws URISyntaxException {
    float[] want = expected("region 96x80 pad " + pad + " for " + w2 + "x" + h2 + " #" + k);
    MaskCrop region = MaskCrop.around(TestPictures.mask(k, 96, 80), w2, h2, pad);
    assertArrayEquals(want, new float[] {region.x1(), region.y1(), region.x2(), region.y2()});
  }

  @Test
  void overlaysAsDiffusers() throws URISyntaxException {
    BufferedImage mask = TestPictures.mask(0, 40, 30, 10, 5);
    MaskCrop region = MaskCrop.around(mask, 24, 20, 3);
    float[] want = expected("overlay crop");
    assertArrayEquals(want, new float[] {region.x1(), region.y1(), region.x2(), region.y2()});
    assertArrayEquals(expected("overlay"), TestPictures.bytes(region.overlay(mask, TestPictures.pattern(40, 30, false),
        TestPictures.pattern(24, 20, true))));
  }

  /** Pillow's GaussianBlur (diffusers' mask processor's blur), byte for byte, radius below, near and past the sides. */
  @ParameterizedTest(name = "radius {0} {1}x{2} mask {3}")
  @CsvSource({"4, 96, 80, 0", "2.5, 96, 80, 1", "33, 96, 80, 2", "0.4, 20, 9, 0"})
  void blursMasksAsPillow(String radius, int w, int h, int k) throws URISyntaxException {
    assertArrayEquals(expected("blur " + radius + " " + w + "x" + h + " #" + k),
        TestPictures.bytes(Images.gaussianBlur(TestPictures.mask(k, w, h), Double.parseDouble(radius))));
  }

  @ParameterizedTest(name = "radius {0} pattern {1}x{2}")
  @CsvSource({"3, 37, 23", "1.5, 7, 5"})
  void blursColorsAsPillow(String radius, int w, int h) throws URISyntaxException {
    assertArrayEquals(expected("blur " + radius + " pattern " + w + "x" + h),
        TestPictures.bytes(Images.gaussianBlur(TestPictures.pattern(w, h, false), Double.parseDouble(radius))));
  }

  @Test
  void aBlackMaskIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MaskCrop.around(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), 8, 8, 4));
    assertTrue(e.getMessage().contains("black everywhere"), e.getMessage());
  }

  /** A picture or tensor of {@code expected.safetensors}. */
  public static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(MaskCropTest.class.getResource("/mask-crop/expected.safetensors").toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
