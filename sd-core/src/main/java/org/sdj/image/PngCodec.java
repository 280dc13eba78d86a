package org.sdj.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * PNG files with AUTOMATIC1111's {@code parameters} text, through ImageIO's {@code javax_imageio_png_1.0} metadata.
 * Text that Latin-1 can hold goes into a {@code tEXt} chunk, any other into an uncompressed UTF-8 {@code iTXt} chunk,
 * as PIL's {@code PngInfo.add_text} (and so A1111) chooses; reading takes a {@code tEXt}, {@code iTXt} or {@code zTXt}.
 */
final class PngCodec {
  static final String METADATA_FORMAT = "javax_imageio_png_1.0";
  /** The keyword A1111, Forge and PIL-based tools store the infotext under. */
  static final String PARAMETERS_KEYWORD = "parameters";

  private PngCodec() {}

  static void encode(Path temp, BufferedImage image, Optional<String> parameters) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(temp.toFile())) {
      ImageWriteParam param = writer.getDefaultWriteParam();
      IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), param);
      if (parameters.isPresent()) {
        metadata.mergeTree(METADATA_FORMAT, textTree(PARAMETERS_KEYWORD, parameters.get()));
      }
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, metadata), param);
    } finally {
      writer.dispose();
    }
  }

  /** The first {@code parameters} text chunk, empty when there is none. */
  static Optional<String> readParameters(IIOMetadata metadata) {
    Node root = metadata.getAsTree(METADATA_FORMAT);
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
        if (PARAMETERS_KEYWORD.equals(e.getAttribute("keyword"))) {
          return Optional.of(e.getAttribute(textAttribute));
        }
      }
    }
    return Optional.empty();
  }

  static void checkText(String text) {
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("PNG text cannot hold a NUL character; remove it from the parameters");
    }
  }

  private static IIOMetadataNode textTree(String keyword, String text) throws IIOInvalidTreeException {
    boolean latin1 = text.chars().allMatch(c -> c <= 0xFF);
    IIOMetadataNode entry = new IIOMetadataNode(latin1 ? "tEXtEntry" : "iTXtEntry");
    entry.setAttribute("keyword", keyword);
    if (latin1) {
      entry.setAttribute("value", text);
    } else {
      entry.setAttribute("compressionFlag", "FALSE");
      entry.setAttribute("compressionMethod", "0");
      entry.setAttribute("languageTag", "");
      entry.setAttribute("translatedKeyword", "");
      entry.setAttribute("text", text);
    }
    IIOMetadataNode chunk = new IIOMetadataNode(latin1 ? "tEXt" : "iTXt");
    chunk.appendChild(entry);
    IIOMetadataNode root = new IIOMetadataNode(METADATA_FORMAT);
    root.appendChild(chunk);
    return root;
  }
}
