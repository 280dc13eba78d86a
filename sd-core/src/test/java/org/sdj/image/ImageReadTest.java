package org.sdj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageReadTest {
  @TempDir Path dir;

  @Test
  void readsWhatImageIoWrote() throws IOException {
    BufferedImage image = gradient(40, 24);
    for (String format : new String[] {"png", "bmp"}) {
      Path file = dir.resolve("image." + format);
      ImageIO.write(image, format, file.toFile());
      BufferedImage read = Images.read(file);
      assertEquals(40, read.getWidth());
      assertEquals(24, read.getHeight());
      assertEquals(image.getRGB(17, 9), read.getRGB(17, 9), format);
    }
  }

  @Test
  void readsAGrayPngAsItsSampleValues() throws IOException {
    BufferedImage gray = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(0, 0, 0, 128);
    Path file = dir.resolve("gray.png");
    ImageIO.write(gray, "png", file.toFile());
    assertEquals(128 / 255f * 2f - 1f, Images.toTensor(Images.read(file))[2]);
  }

  @Test
  void missingFile() {
    assertProblem(dir.resolve("nope.png"), "does not exist");
  }

  @Test
  void folder() {
    assertProblem(dir, "not a regular file");
  }

  @Test
  void notAnImage() throws IOException {
    assertProblem(Files.writeString(dir.resolve("notes.png"), "just text, not pixels"), "not an image");
    assertProblem(Files.write(dir.resolve("empty.png"), new byte[0]), "not an image");
  }

  @Test
  void truncatedPng() throws IOException {
    byte[] png = encode(gradient(64, 64), "png");
    assertProblem(Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, png.length / 2)), "damaged or truncated");
    assertProblem(Files.write(dir.resolve("header.png"), Arrays.copyOf(png, 20)), "damaged or truncated");
  }

  @Test
  void truncatedJpegIsRefusedNotHalfGrey() throws IOException {
    byte[] jpeg = encode(gradient(64, 64), "jpg");
    for (int cut : new int[] {jpeg.length * 3 / 4, jpeg.length / 2, 200}) {
      assertProblem(Files.write(dir.resolve("cut" + cut + ".jpg"), Arrays.copyOf(jpeg, cut)), "damaged or truncated");
    }
  }

  @Test
  void corruptPixelData() throws IOException {
    byte[] png = encode(gradient(64, 64), "png");
    for (int i = 60; i < png.length - 20; i += 7) {
      png[i] ^= (byte) 0x5A;
    }
    assertProblem(Files.write(dir.resolve("corrupt.png"), png), "damaged or truncated");
  }

  @Test
  void zeroSizeImage() throws IOException {
    Path file = Files.write(dir.resolve("zero.png"), new RawPng().header(0, 5).pixels(0, 5, 0).end().bytes());
    ImageFileException e = assertThrows(ImageFileException.class, () -> Images.read(file));
    assertEquals(file, e.file());
  }

  @Test
  void hugeImageIsRefusedBeforeDecoding() throws IOException {
    // The header claims 100000 x 100000; its (tiny) pixel data is never looked at.
    Path file = Files.write(dir.resolve("huge.png"), new RawPng().header(100_000, 100_000).pixels(1, 1, 0).end()
        .bytes());
    assertProblem(file, "100000x100000");
  }

  private void assertProblem(Path file, String expected) {
    ImageFileException e = assertThrows(ImageFileException.class, () -> Images.read(file));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  private static byte[] encode(BufferedImage image, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, format, out);
    return out.toByteArray();
  }

  private static BufferedImage gradient(int w, int h) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | 90);
      }
    }
    return image;
  }
}
