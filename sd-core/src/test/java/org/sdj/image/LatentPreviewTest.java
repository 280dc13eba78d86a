package org.sdj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatentPreviewTest {
  @Test
  void sizeFollowsTheLatentAndTheUpscale() {
    float[] latents = new float[2 * 4 * 6 * 10];
    long[] shape = {2, 4, 6, 10};
    BufferedImage small = LatentPreview.preview(latents, shape, 1);
    assertEquals(10, small.getWidth());
    assertEquals(6, small.getHeight());
    assertEquals(BufferedImage.TYPE_INT_RGB, small.getType());
    BufferedImage big = LatentPreview.preview(latents, shape, 0, 8);
    assertEquals(80, big.getWidth());
    assertEquals(48, big.getHeight());
  }

  @Test
  void mapsChannelsWithTheSd15Factors() {
    long[] shape = {1, 4, 1, 2};
    // pixel 0: channel 0 = 1 -> (0.3512, 0.2297, 0.3227); pixel 1: channel 3 = 1 -> (-0.2120, -0.2616, -0.7177)
    float[] latents = {1, 0, 0, 0, 0, 0, 0, 1};
    BufferedImage preview = LatentPreview.preview(latents, shape, 0);
    assertEquals(rgb(byteOf(0.3512), byteOf(0.2297), byteOf(0.3227)), preview.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(rgb(byteOf(-0.2120), byteOf(-0.2616), byteOf(-0.7177)), preview.getRGB(1, 0) & 0xFFFFFF);
    assertEquals(rgb(128, 128, 128), LatentPreview.preview(new float[8], shape, 0).getRGB(0, 0) & 0xFFFFFF);
  }

  @Test
  void extremeAndNaNValuesStayInRange() {
    // channel 0 of three pixels: NaN, far above, far below; channels 1..3 zero
    float[] latents = new float[4 * 3];
    latents[0] = Float.NaN;
    latents[1] = 100;
    latents[2] = Float.NEGATIVE_INFINITY;
    BufferedImage preview = LatentPreview.preview(latents, new long[] {1, 4, 1, 3}, 0);
    assertEquals(0, preview.getRGB(0, 0) & 0xFFFFFF, "NaN shows as black");
    assertEquals(rgb(255, 255, 255), preview.getRGB(1, 0) & 0xFFFFFF);
    assertEquals(0, preview.getRGB(2, 0) & 0xFFFFFF);
  }

  @Test
  void upscaleRepeatsEachLatentPixel() {
    float[] latents = {1, -1, 0, 0, 0, 0, 0, 0};
    BufferedImage preview = LatentPreview.preview(latents, new long[] {1, 4, 1, 2}, 0, 3);
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 6; x++) {
        assertEquals(preview.getRGB(x / 3 * 3, 0), preview.getRGB(x, y), x + "," + y);
      }
    }
    assertTrue(preview.getRGB(0, 0) != preview.getRGB(3, 0));
  }

  @Test
  void costsWellUnderAMillisecondFor64x64() {
    float[] latents = new float[4 * 64 * 64];
    Random random = new Random(1);
    for (int i = 0; i < latents.length; i++) {
      latents[i] = (float) random.nextGaussian();
    }
    long[] shape = {1, 4, 64, 64};
    for (int i = 0; i < 2000; i++) {
      LatentPreview.preview(latents, shape, 0);
    }
    int runs = 2000;
    long start = System.nanoTime();
    for (int i = 0; i < runs; i++) {
      LatentPreview.preview(latents, shape, 0);
    }
    double millisEach = (System.nanoTime() - start) / 1e6 / runs;
    // Generous for a shared CI machine; typically a few tens of microseconds.
    assertTrue(millisEach < 1.0, millisEach + " ms per preview");
  }

  @Test
  void badArgumentsAreRefused() {
    float[] latents = new float[4 * 4];
    assertThrows(IllegalArgumentException.class, () -> LatentPreview.preview(latents, new long[] {1, 3, 2, 2}, 0));
    assertThrows(IllegalArgumentException.class, () -> LatentPreview.preview(latents, new long[] {1, 4, 2, 3}, 0));
    assertThrows(IllegalArgumentException.class, () -> LatentPreview.preview(latents, new long[] {1, 4, 2, 2}, 1));
    assertThrows(IllegalArgumentException.class, () -> LatentPreview.preview(latents, new long[] {1, 4, 2, 2}, 0, 0));
    assertThrows(IllegalArgumentException.class,
        () -> LatentPreview.preview(latents, new long[] {1, 4, 2, 2}, 0, LatentPreview.MAX_UPSCALE + 1));
  }

  private static int byteOf(double v) {
    return (int) Math.round(Math.clamp((v + 1) / 2, 0, 1) * 255);
  }

  private static int rgb(int r, int g, int b) {
    return r << 16 | g << 8 | b;
  }
}
