package org.sdj.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** Decodes one image file with ImageIO, checking its size before any pixel is decoded. */
final class ImageFileReader {
  private ImageFileReader() {}

  static BufferedImage read(Path file, int maxSide) {
    if (!Files.exists(file)) {
      throw new ImageFileException(file, "does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw new ImageFileException(file, "is not a regular file");
    }
    try (ImageInputStream input = open(file)) {
      ImageReader reader = readerFor(file, input);
      try {
        reader.setInput(input, true, true);
        checkSize(file, reader, maxSide);
        return decode(file, reader);
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new ImageFileException(file, "cannot be read: " + e.getMessage(), e);
    }
  }

  private static ImageInputStream open(Path file) throws IOException {
    ImageInputStream input = ImageIO.createImageInputStream(file.toFile());
    if (input == null) {
      throw new ImageFileException(file, "cannot be opened");
    }
    return input;
  }

  private static ImageReader readerFor(Path file, ImageInputStream input) {
    Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
    if (!readers.hasNext()) {
      throw new ImageFileException(file, "is not an image in a format sdj can read (supported: "
          + String.join(", ", List.of("PNG", "JPEG", "BMP", "GIF", "TIFF", "WBMP")) + ")");
    }
    return readers.next();
  }

  private static void checkSize(Path file, ImageReader reader, int maxSide) {
    int width;
    int height;
    try {
      width = reader.getWidth(0);
      height = reader.getHeight(0);
    } catch (IOException | RuntimeException e) {
      throw damaged(file, e);
    }
    if (width <= 0 || height <= 0) {
      throw new ImageFileException(file, "has no pixels (" + width + "x" + height + ")");
    }
    if (width > maxSide || height > maxSide) {
      throw new ImageFileException(file, "is " + width + "x" + height + "; sdj reads images of at most " + maxSide
          + " pixels on each side: scale it down first");
    }
  }

  // A decoder that hits a truncated or corrupt stream may only warn and hand back a partly grey picture; such a file
  // is refused, as Pillow refuses truncated images.
  private static BufferedImage decode(Path file, ImageReader reader) {
    List<String> warnings = new ArrayList<>();
    reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
    BufferedImage image;
    try {
      image = reader.read(0);
    } catch (IOException | RuntimeException e) {
      throw damaged(file, e);
    }
    if (!warnings.isEmpty()) {
      throw new ImageFileException(file, "is damaged or truncated (" + warnings.getFirst() + ")");
    }
    return image;
  }

  private static ImageFileException damaged(Path file, Exception e) {
    String detail = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    return new ImageFileException(file, "is damaged or truncated (" + detail + ")", e);
  }
}
