package org.sdj.upscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdj.image.Images;

/** A1111's {@code Upscaler.upscale} loop around any pass: how many passes, and the size it fits. */
class UpscalerTest {
  /** A pass that doubles the picture (nearest neighbour), recording the sizes it saw. */
  private static Upscaler doubling(List<String> passes) {
    return (image, scale) -> {
      passes.add(image.getWidth() + "x" + image.getHeight());
      return Images.resize(image, image.getWidth() * 2, image.getHeight() * 2);
    };
  }

  @Test
  void passesRunUntilTheTargetIsCoveredThreeAtMost() {
    List<String> passes = new ArrayList<>();
    BufferedImage out = doubling(passes).upscale(new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB), 3);
    assertEquals(List.of("20x12", "40x24"), passes);
    assertEquals(56, out.getWidth());   // 60 rounded down to a multiple of 8
    assertEquals(32, out.getHeight());  // 36 likewise
    passes.clear();
    doubling(passes).upscale(new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB), 20);
    assertEquals(3, passes.size(), "three passes at most");
    passes.clear();
    doubling(passes).upscale(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), 0.5);
    assertEquals(1, passes.size(), "one pass even below the picture's size, as A1111");
  }

  @Test
  void lanczosAndNoneFitTheTarget() {
    BufferedImage picture = new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB);
    BufferedImage lanczos = Upscaler.LANCZOS.upscale(picture, 2.5);
    assertEquals(72, lanczos.getWidth());
    assertEquals(48, lanczos.getHeight());
    BufferedImage none = Upscaler.NONE.upscale(picture, 2);
    assertEquals(56, none.getWidth());
    assertEquals(40, none.getHeight());
    assertThrows(IllegalArgumentException.class, () -> Upscaler.NONE.upscale(picture, 0.1));
    assertThrows(IllegalArgumentException.class, () -> Upscaler.NONE.upscale(picture, Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Upscaler.NONE.upscale(picture, 1000));
  }
}
