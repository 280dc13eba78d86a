package org.sdj.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Reads the AUTOMATIC1111 {@code parameters} text of a PNG file, from a {@code tEXt} (Latin-1), {@code iTXt} (UTF-8)
 * or {@code zTXt} chunk, through ImageIO's {@code javax_imageio_png_1.0} metadata. The pixels are not decoded.
 */
public final class PngMetadata {
  static final String FORMAT = "javax_imageio_png_1.0";
  /** The keyword A1111, Forge and PIL-based tools store the infotext under. */
  public static final String PARAMETERS_KEYWORD = "parameters";

  private PngMetadata() {}

  /**
   * The {@code parameters} text of a PNG, empty when it has none.
   *
   * @throws ImageFileException if the file is missing, not a PNG, or damaged before the image data
   */
  public static Optional<String> readParameters(Path file) {
    return readText(file, PARAMETERS_KEYWORD);
  }

  /** The {@code parameters} text of a PNG read as {@link GenerationInfo}, empty when it has none. */
  public static Optional<GenerationInfo> readGenerationInfo(Path file) {
    return readParameters(file).map(GenerationInfo::parse);
  }

  /** The first text chunk of a PNG with the given keyword, empty when there is none. */
  public static Optional<String> readText(Path file, String keyword) {
    if (!Files.isRegularFile(file)) {
      throw new ImageFileException(file, Files.exists(file) ? "is not a regular file" : "does not exist");
    }
    try (ImageInputStream input = ImageIO.createImageInputStream(file.toFile())) {
      ImageReader reader = pngReader(file, input);
      try {
        reader.setInput(input, true, false);
        IIOMetadata metadata = reader.getImageMetadata(0);
        return find(metadata.getAsTree(FORMAT), keyword);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ImageFileException known) {
        throw known;
      }
      throw new ImageFileException(file, "is a damaged PNG (" + e.getMessage() + ")", e);
    }
  }

  private static ImageReader pngReader(Path file, ImageInputStream input) throws IOException {
    if (input == null) {
      throw new ImageFileException(file, "cannot be opened");
    }
    Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
    while (readers.hasNext()) {
      ImageReader reader = readers.next();
      if (reader.getFormatName().equalsIgnoreCase("png")) {
        return reader;
      }
    }
    throw new ImageFileException(file, "is not a PNG file");
  }

  private static Optional<String> find(Node root, String keyword) {
    for (Node chunk = root.getFirstChild(); chunk != null; chunk = chunk.getNextSibling()) {
      String textAttribute = switch (chunk.getNodeName()) {
        case "tEXt" -> "value";
        case "iTXt", "zTXt" -> "text";
        default -> null;
      };
      if (textAttribute == null) {
        continue;
      }
      for (Node entry = chunk.getFirstChild(); entry != null; entry = entry.getNextSibling()) {
        Element e = (Element) entry;
        if (keyword.equals(e.getAttribute("keyword"))) {
          return Optional.of(e.getAttribute(textAttribute));
        }
      }
    }
    return Optional.empty();
  }
}
