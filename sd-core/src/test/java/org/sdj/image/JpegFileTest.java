package org.sdj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JpegFileTest {
  @TempDir Path dir;

  @Test
  void parametersRoundTripThroughTheExifUserComment() throws IOException {
    GenerationInfo info = GenerationInfo.builder("富士山の夕焼け, 🎨 style\nline two").negativePrompt("blurry")
        .steps(25).scheduler("dpmpp-2m-karras").cfgScale(6).seed(7).size(16, 8).build();
    Path file = dir.resolve("out.jpg");
    ImageFiles.write(file, picture(), info);
    byte[] bytes = Files.readAllBytes(file);
    assertEquals(0xFFD8, (bytes[0] & 0xFF) << 8 | bytes[1] & 0xFF, "a JPEG file");
    assertEquals(Optional.of(info), ImageFiles.readGenerationInfo(file));
    int rgb = Images.read(file).getRGB(8, 4);
    assertTrue(Math.abs((rgb >> 16 & 0xFF) - 0x33) < 8 && Math.abs((rgb & 0xFF) - 0x99) < 8, Integer.toHexString(rgb));
  }

  /** The bytes A1111 writes through {@code piexif.dump} of one {@code UserComment.dump(text, encoding="unicode")}. */
  @Test
  void exifSegmentIsPiexifsLayout() {
    byte[] segment = ExifUserComment.segment("hi");
    ByteBuffer b = ByteBuffer.wrap(segment).order(ByteOrder.BIG_ENDIAN);
    assertEquals("Exif\0\0MM", new String(segment, 0, 8, StandardCharsets.ISO_8859_1));
    assertEquals(42, b.getShort(8));
    assertEquals(8, b.getInt(10));
    assertEquals(0x8769, b.getShort(6 + 10) & 0xFFFF);
    assertEquals(0x9286, b.getShort(6 + 28) & 0xFFFF);
    assertEquals(12, b.getInt(6 + 32), "UNICODE\\0 and two UTF-16 units");
    assertEquals("UNICODE\0\0h\0i", new String(segment, segment.length - 12, 12, StandardCharsets.ISO_8859_1));
  }

  @Test
  void readsCommentsOtherToolsWrite() throws IOException {
    Path little = withSegment("little.jpg", exif(ByteOrder.LITTLE_ENDIAN, "UNICODE\0", "größer".getBytes(
        StandardCharsets.UTF_16LE)));
    assertEquals(Optional.of("größer"), ImageFiles.readParameters(little));
    Path ascii = withSegment("ascii.jpg", exif(ByteOrder.BIG_ENDIAN, "ASCII\0\0\0", "plain".getBytes(
        StandardCharsets.US_ASCII)));
    assertEquals(Optional.of("plain"), ImageFiles.readParameters(ascii));
    Path bare = withSegment("bare.jpg", exif(ByteOrder.BIG_ENDIAN, "", "utf-8 ✓".getBytes(StandardCharsets.UTF_8)));
    assertEquals(Optional.of("utf-8 ✓"), ImageFiles.readParameters(bare));
  }

  @Test
  void damagedOrForeignSegmentsAreNoParameters() throws IOException {
    byte[] good = exif(ByteOrder.BIG_ENDIAN, "UNICODE\0", "x".getBytes(StandardCharsets.UTF_16BE));
    for (int cut : new int[] {4, 10, 20, 30, 40, good.length - 1}) {
      Path file = withSegment("cut" + cut + ".jpg", Arrays.copyOf(good, cut));
      assertTrue(ImageFiles.readParameters(file).isEmpty() || cut == good.length - 1, "cut at " + cut);
    }
    byte[] wild = good.clone();
    ByteBuffer.wrap(wild).putInt(6 + 4, 0x7FFFFFF0);   // IFD0 far past the end
    assertEquals(Optional.empty(), ImageFiles.readParameters(withSegment("wild.jpg", wild)));
    Path xmp = withSegment("xmp.jpg", "http://ns.adobe.com/xap/1.0/\0<x/>".getBytes(StandardCharsets.US_ASCII));
    assertEquals(Optional.empty(), ImageFiles.readParameters(xmp));
  }

  @Test
  void noParametersIsEmptyAndAlphaIsDropped() {
    Path bare = dir.resolve("bare.JPEG");
    ImageFiles.write(bare, picture());
    assertEquals(Optional.empty(), ImageFiles.readParameters(bare));
    BufferedImage argb = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(4, 4, 0x80FF0000);
    Path file = dir.resolve("argb.jpeg");
    ImageFiles.writeWithParameters(file, argb, "p");
    assertEquals(Optional.of("p"), ImageFiles.readParameters(file));
  }

  @Test
  void tooLongForOneSegmentSaysToWriteAPng() {
    String huge = "x".repeat(40_000);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageFiles.writeWithParameters(dir.resolve("huge.jpg"), picture(), huge));
    assertTrue(e.getMessage().contains("PNG"), e.getMessage());
  }

  @Test
  void theExtensionPicksTheFormatOrIsAClearError() throws IOException {
    assertEquals(ImageFormat.JPEG, ImageFormat.of(Path.of("a.JpG")));
    assertEquals(ImageFormat.PNG, ImageFormat.of(Path.of("dir.d/a.png")));
    for (String name : List.of("a.webp", "noextension", "a.png.tmp")) {
      ImageFileException e = assertThrows(ImageFileException.class,
          () -> ImageFiles.write(dir.resolve(name), picture()));
      assertTrue(e.getMessage().contains("*.png, *.jpg, *.jpeg"), e.getMessage());
    }
    ImageFileException e = assertThrows(ImageFileException.class,
        () -> ImageFiles.checkWritable(dir.resolve("missing/out.jpg")));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.count(), "nothing written");
    }
  }

  /** An EXIF payload with IFD0 -> Exif IFD -> UserComment, as cameras and other tools lay it out. */
  private static byte[] exif(ByteOrder order, String code, byte[] text) {
    byte[] comment = new byte[code.length() + text.length];
    System.arraycopy(code.getBytes(StandardCharsets.US_ASCII), 0, comment, 0, code.length());
    System.arraycopy(text, 0, comment, code.length(), text.length);
    ByteBuffer b = ByteBuffer.allocate(6 + 8 + 18 + 18 + comment.length).order(order);
    b.put("Exif\0\0".getBytes(StandardCharsets.US_ASCII));
    b.put(order == ByteOrder.BIG_ENDIAN ? (byte) 'M' : (byte) 'I').put(order == ByteOrder.BIG_ENDIAN ? (byte) 'M'
        : (byte) 'I').putShort((short) 42).putInt(8);
    b.putShort((short) 1).putShort((short) 0x8769).putShort((short) 4).putInt(1).putInt(26).putInt(0);
    b.putShort((short) 1).putShort((short) 0x9286).putShort((short) 7).putInt(comment.length).putInt(44).putInt(0);
    b.put(comment);
    return b.array();
  }

  /** A JPEG of {@link #picture()} with {@code payload} as an APP1 segment right after its start marker. */
  private Path withSegment(String name, byte[] payload) throws IOException {
    Path plain = dir.resolve("plain-" + name);
    ImageFiles.write(plain, picture());
    byte[] jpeg = Files.readAllBytes(plain);
    Files.delete(plain);
    ByteBuffer out = ByteBuffer.allocate(jpeg.length + 4 + payload.length);
    out.put(jpeg, 0, 2).put((byte) 0xFF).put((byte) 0xE1).putShort((short) (payload.length + 2)).put(payload)
        .put(jpeg, 2, jpeg.length - 2);
    return Files.write(dir.resolve(name), out.array());
  }

  private static BufferedImage picture() {
    BufferedImage image = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 16; x++) {
        image.setRGB(x, y, 0x336699);
      }
    }
    return image;
  }
}
