package org.sdj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * {@link Images#fillMasked} against AUTOMATIC1111's {@code masking.fill} on Pillow 12, byte for byte
 * ({@code src/test/resources/masked-content}, made by its {@code make_masked_content_reference.py.txt}): hard and
 * blurred masks, inverted ones (mostly white, so the wide blurs carry the color far), pictures narrower than the
 * widest blur and one of nine rows.
 */
public class MaskFillTest {
  @ParameterizedTest(name = "{0}x{1} mask {2} blur {3} inverted {4}")
  @CsvSource({"96, 80, 0, 0, false", "96, 80, 1, 4, false", "96, 80, 2, 0, false", "96, 80, 1, 2, true",
      "37, 23, 0, 3, true", "300, 9, 2, 0, false"})
  void fillsAsA1111(int w, int h, int k, int blur, boolean inverted) throws URISyntaxException {
    BufferedImage mask = TestPictures.mask(k, w, h);
    mask = Images.gaussianBlur(inverted ? Images.inverted(mask) : mask, blur);
    BufferedImage picture = TestPictures.pattern(w, h, false);
    float[] filled = TestPictures.bytes(Images.fillMasked(picture, mask));
    assertArrayEquals(expected("fill " + w + "x" + h + " #" + k + " blur " + blur + (inverted ? " inverted" : "")),
        filled);
    assertFalse(Arrays.equals(TestPictures.bytes(picture), filled), "the masked area changed");
  }

  /** A picture or tensor of {@code expected.safetensors}. */
  public static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(MaskFillTest.class.getResource("/masked-content/expected.safetensors").toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
