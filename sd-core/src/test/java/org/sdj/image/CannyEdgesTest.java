package org.sdj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link CannyEdges} against OpenCV's {@code cv2.Canny} byte for byte ({@code src/test/resources/canny}, made by its
 * {@code make_canny_reference.py.txt}): shapes on noise with odd sides, noisy colour ramps, a flat picture; A1111's
 * thresholds, low ones, and swapped ones.
 */
class CannyEdgesTest {
  @ParameterizedTest(name = "{0} {1}/{2}")
  @CsvSource({"shapes-37x29, 100, 200", "shapes-37x29, 20, 60", "shapes-37x29, 150, 60", "photo-64x48, 100, 200",
      "photo-64x48, 20, 60", "photo-64x48, 150, 60", "flat-9x7, 100, 200", "flat-9x7, 20, 60", "flat-9x7, 150, 60"})
  void matchesOpenCv(String picture, int low, int high) throws IOException {
    BufferedImage edges = CannyEdges.of(read(picture + ".png"), low, high);
    BufferedImage expected = read("expected-" + picture + "-" + low + "-" + high + ".png");
    assertEquals(expected.getWidth(), edges.getWidth());
    assertEquals(expected.getHeight(), edges.getHeight());
    int differ = 0;
    int edgePixels = 0;
    for (int y = 0; y < edges.getHeight(); y++) {
      for (int x = 0; x < edges.getWidth(); x++) {
        int want = expected.getRaster().getSample(x, y, 0);
        int got = edges.getRGB(x, y);
        edgePixels += want > 0 ? 1 : 0;
        differ += got == (want > 0 ? 0xFFFFFFFF : 0xFF000000) ? 0 : 1;
      }
    }
    assertEquals(0, differ, differ + " pixels differ from OpenCV's (" + edgePixels + " edge pixels)");
  }

  private static BufferedImage read(String name) throws IOException {
    try (InputStream in = CannyEdgesTest.class.getResourceAsStream("/canny/" + name)) {
      return ImageIO.read(in);
    }
  }
}
