package org.sdj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngFileTest {
  @TempDir Path dir;

  @Test
  void latin1ParametersGoIntoATextChunkAndRoundTrip() throws IOException {
    GenerationInfo info = GenerationInfo.builder("a café, at night\nsecond line").steps(20).scheduler("euler-a")
        .cfgScale(7.5).seed(42).size(16, 8).model("sd15").build();
    Path file = dir.resolve("latin1.png");
    ImageFiles.write(file, picture(), info);
    assertEquals(List.of("IHDR", "tEXt", "IDAT", "IEND"), chunkTypes(file));
    assertEquals(Optional.of(info.format()), ImageFiles.readParameters(file));
    assertEquals(Optional.of(info), ImageFiles.readGenerationInfo(file));
    assertEquals(0x336699, ImageIO.read(file.toFile()).getRGB(3, 2) & 0xFFFFFF);
  }

  @Test
  void otherUnicodeGoesIntoAnInternationalTextChunk() throws IOException {
    GenerationInfo info = GenerationInfo.builder("富士山の夕焼け, 🎨 style\nline two").negativePrompt("низкое качество")
        .steps(25).scheduler("dpmpp-2m-karras").cfgScale(6).seed(7).size(16, 8).build();
    Path file = dir.resolve("unicode.png");
    ImageFiles.write(file, picture(), info);
    assertEquals(List.of("IHDR", "iTXt", "IDAT", "IEND"), chunkTypes(file));
    GenerationInfo back = ImageFiles.readGenerationInfo(file).orElseThrow();
    assertEquals(info, back);
    assertEquals("富士山の夕焼け, 🎨 style\nline two", back.prompt());
  }

  @Test
  void emptyNegativePromptRoundTrips() {
    GenerationInfo info = GenerationInfo.builder("plain").negativePrompt("").steps(1).cfgScale(1).seed(0).build();
    Path file = dir.resolve("plain.png");
    ImageFiles.write(file, picture(), info);
    String text = ImageFiles.readParameters(file).orElseThrow();
    assertTrue(!text.contains("Negative prompt"), text);
    assertEquals("", ImageFiles.readGenerationInfo(file).orElseThrow().negativePrompt());
  }

  @Test
  void rawParametersAreWrittenVerbatim() {
    Path file = dir.resolve("raw.png");
    ImageFiles.writeWithParameters(file, picture(), "anything at all\n  kept: as is ");
    assertEquals(Optional.of("anything at all\n  kept: as is "), ImageFiles.readParameters(file));
    assertThrows(IllegalArgumentException.class, () -> ImageFiles.writeWithParameters(file, picture(), "nul\0"));
  }

  @Test
  void noParametersIsEmpty() {
    Path file = dir.resolve("bare.png");
    ImageFiles.write(file, picture());
    assertEquals(Optional.empty(), ImageFiles.readParameters(file));
  }

  @Test
  void readsChunksWrittenByAnotherTool() throws IOException {
    String a1111 = "1girl, smile\nNegative prompt: lowres\nSteps: 28, Sampler: Euler a, CFG scale: 7, Seed: 3, "
        + "Size: 4x2, Model hash: 45dee52b, Clip skip: 2";
    Path text = Files.write(dir.resolve("text.png"), new RawPng().header(4, 2).text("Software", "other")
        .text("parameters", a1111).pixels(4, 2, 0x102030).end().bytes());
    assertEquals(Optional.of(a1111), ImageFiles.readParameters(text));
    GenerationInfo info = ImageFiles.readGenerationInfo(text).orElseThrow();
    assertEquals(Optional.of("euler-a"), info.scheduler());
    assertEquals("2", info.extras().get("Clip skip"));
    assertEquals(0x102030, Images.read(text).getRGB(1, 1) & 0xFFFFFF);

    Path international = Files.write(dir.resolve("itxt.png"), new RawPng().header(4, 2)
        .internationalText("parameters", "猫\nSteps: 1, Sampler: LCM, CFG scale: 1").pixels(4, 2, 0).end().bytes());
    assertEquals(Optional.of("猫"), ImageFiles.readGenerationInfo(international).map(GenerationInfo::prompt));

    Path compressed = Files.write(dir.resolve("ztxt.png"), new RawPng().header(4, 2)
        .compressedText("parameters", "zipped").pixels(4, 2, 0).end().bytes());
    assertEquals(Optional.of("zipped"), ImageFiles.readParameters(compressed));

    Path afterPixels = Files.write(dir.resolve("after.png"), new RawPng().header(4, 2).pixels(4, 2, 0)
        .text("parameters", "after the pixels").end().bytes());
    assertEquals(Optional.of("after the pixels"), ImageFiles.readParameters(afterPixels));
  }

  @Test
  void notAPngOrJpegOrMissing() throws IOException {
    Path bmp = dir.resolve("picture.bmp");
    ImageIO.write(picture(), "bmp", bmp.toFile());
    assertTrue(assertThrows(ImageFileException.class, () -> ImageFiles.readParameters(bmp)).getMessage()
        .contains("not a PNG or JPEG"));
    Path text = Files.writeString(dir.resolve("text.png"), "hello");
    assertThrows(ImageFileException.class, () -> ImageFiles.readParameters(text));
    assertTrue(assertThrows(ImageFileException.class, () -> ImageFiles.readParameters(dir.resolve("none.png")))
        .getMessage().contains("does not exist"));
  }

  @Test
  void truncatedHeaderIsADamagedPng() throws IOException {
    byte[] png = new RawPng().header(4, 2).text("parameters", "x").pixels(4, 2, 0).end().bytes();
    Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, 30));
    assertThrows(ImageFileException.class, () -> ImageFiles.readParameters(cut));
  }

  @Test
  void replacesAnExistingFileAndLeavesNoTemporaryFiles() throws IOException {
    Path file = dir.resolve("out.png");
    Files.writeString(file, "old content");
    ImageFiles.writeWithParameters(file, picture(), "new");
    assertEquals(Optional.of("new"), ImageFiles.readParameters(file));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void missingFolderIsAClearError() {
    Path file = dir.resolve("no/such/folder/out.png");
    ImageFileException e = assertThrows(ImageFileException.class, () -> ImageFiles.write(file, picture()));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void writesArgbAndGrayPictures() {
    BufferedImage argb = new BufferedImage(3, 3, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(1, 1, 0x80FF0000);
    Path file = dir.resolve("argb.png");
    ImageFiles.writeWithParameters(file, argb, "p");
    assertEquals(0x80FF0000, Images.read(file).getRGB(1, 1));
    BufferedImage gray = new BufferedImage(3, 3, BufferedImage.TYPE_BYTE_GRAY);
    gray.getRaster().setSample(2, 2, 0, 77);
    Path grayFile = dir.resolve("gray.png");
    ImageFiles.write(grayFile, gray);
    assertArrayEquals(Images.toTensor(gray), Images.toTensor(Images.read(grayFile)));
  }

  private static BufferedImage picture() {
    BufferedImage image = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
    image.setRGB(3, 2, 0x336699);
    return image;
  }

  /** The chunk types of a PNG file, in order. */
  private static List<String> chunkTypes(Path file) throws IOException {
    byte[] png = Files.readAllBytes(file);
    List<String> types = new ArrayList<>();
    int at = 8;
    while (at + 8 <= png.length) {
      int length = (png[at] & 0xFF) << 24 | (png[at + 1] & 0xFF) << 16 | (png[at + 2] & 0xFF) << 8 | png[at + 3] & 0xFF;
      types.add(new String(png, at + 4, 4, StandardCharsets.US_ASCII));
      at += 12 + length;
    }
    return types.stream().distinct().toList();
  }
}
