package org.sdj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * {@link ClipImageProcessor} against transformers' {@code CLIPImageProcessor(size=S, crop_size=S)} (PIL backend) on
 * drawn images, from {@code src/test/resources/clip-vision/expected.safetensors} (made by its
 * {@code make_image_encoder_reference.py.txt}). The values must be equal, not close: each is one of 256 per channel.
 */
class ClipImageProcessorTest {
  @ParameterizedTest
  @CsvSource({"45, 37, false", "37, 45, false", "19, 27, false", "32, 32, false", "33, 29, true"})
  void matchesTransformersInFull(int width, int height, boolean alpha) throws URISyntaxException {
    float[] actual = ClipImageProcessor.pixelValues(pattern(width, height, alpha), 32);
    float[] expected = expected(name(width, height, alpha, 32));
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 0f, "value " + i);
    }
  }

  /** At S = 224 the fixture keeps every 7th row and column, and every row's and column's sum. */
  @ParameterizedTest
  @CsvSource({"301, 233", "157, 263"})
  void matchesTransformersAt224(int width, int height) throws URISyntaxException {
    int s = 224;
    float[] actual = ClipImageProcessor.pixelValues(pattern(width, height, false), s);
    assertEquals(3 * s * s, actual.length);
    String name = name(width, height, false, s);
    float[] sampled = expected(name + ".sampled");
    float[] rowSums = expected(name + ".row_sums");
    float[] columnSums = expected(name + ".column_sums");
    int n = (s + 6) / 7;
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < s; y++) {
        double rowSum = 0;
        for (int x = 0; x < s; x++) {
          float value = actual[(c * s + y) * s + x];
          rowSum += value;
          if (y % 7 == 0 && x % 7 == 0) {
            assertEquals(sampled[(c * n + y / 7) * n + x / 7], value, 0f, "channel " + c + " at " + x + "," + y);
          }
        }
        // One step of one pixel moves a sum by 1 / 255 / std > 0.014; summing order moves it by far less.
        assertEquals(rowSums[c * s + y], rowSum, 1e-4, "sum of row " + y + " of channel " + c);
      }
      for (int x = 0; x < s; x++) {
        double columnSum = 0;
        for (int y = 0; y < s; y++) {
          columnSum += actual[(c * s + y) * s + x];
        }
        assertEquals(columnSums[c * s + x], columnSum, 1e-4, "sum of column " + x + " of channel " + c);
      }
    }
  }

  @Test
  void aSizeBelowOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ClipImageProcessor.pixelValues(pattern(4, 4, false), 0));
  }

  /** The images make_image_encoder_reference.py.txt draws. */
  static BufferedImage pattern(int width, int height, boolean alpha) {
    BufferedImage image = new BufferedImage(width, height,
        alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int a = alpha ? (x * 7 + y * 13) % 256 : 255;
        image.setRGB(x, y, a << 24 | (x * 37 + y * 11) % 256 << 16 | (x * x + 3 * y * y) % 256 << 8
            | ((x ^ y) & 1) * 255);
      }
    }
    return image;
  }

  private static String name(int width, int height, boolean alpha, int size) {
    return "processor." + width + "x" + height + (alpha ? ".rgba" : "") + "." + size;
  }

  private static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(ClipImageProcessorTest.class.getResource("/clip-vision/expected.safetensors")
        .toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
