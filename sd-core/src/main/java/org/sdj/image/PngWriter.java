package org.sdj.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes PNG files, optionally with AUTOMATIC1111's {@code parameters} text chunk. Text that Latin-1 can hold goes into
 * a {@code tEXt} chunk, any other into an uncompressed UTF-8 {@code iTXt} chunk, as PIL's {@code PngInfo.add_text} (and
 * so A1111) chooses. The file appears complete or not at all: it is written beside the target and moved over it.
 */
public final class PngWriter {
  private PngWriter() {}

  /** Writes {@code image} to {@code file} without text. */
  public static void write(Path file, BufferedImage image) {
    writePng(file, image, Optional.empty());
  }

  /** Writes {@code image} to {@code file} with {@code info}'s infotext as its {@code parameters} chunk. */
  public static void write(Path file, BufferedImage image, GenerationInfo info) {
    writePng(file, image, Optional.of(info.format()));
  }

  /**
   * Writes {@code image} to {@code file} with {@code parameters} verbatim as its {@code parameters} chunk.
   *
   * @throws IllegalArgumentException if the text holds a NUL character, which PNG text chunks cannot carry
   */
  public static void writeWithParameters(Path file, BufferedImage image, String parameters) {
    writePng(file, image, Optional.of(parameters));
  }

  private static void writePng(Path file, BufferedImage image, Optional<String> parameters) {
    parameters.ifPresent(PngWriter::checkText);
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    if (!Files.isDirectory(dir)) {
      throw new ImageFileException(file, "cannot be written: folder " + dir + " does not exist");
    }
    Path temp = null;
    try {
      // Not Files.createTempFile: its files are owner-only (0600), and the PNG should get the usual permissions.
      temp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
          + ".tmp");
      encode(temp, image, parameters);
      move(temp, target);
    } catch (IOException e) {
      throw new ImageFileException(file, "cannot be written: " + e.getMessage(), e);
    } finally {
      deleteQuietly(temp);
    }
  }

  private static void encode(Path temp, BufferedImage image, Optional<String> parameters) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(temp.toFile())) {
      ImageWriteParam param = writer.getDefaultWriteParam();
      IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), param);
      if (parameters.isPresent()) {
        metadata.mergeTree(PngMetadata.FORMAT, textTree(PngMetadata.PARAMETERS_KEYWORD, parameters.get()));
      }
      writer.setOutput(out);
      writer.write(null, new IIOImage(image, null, metadata), param);
    } finally {
      writer.dispose();
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
    IIOMetadataNode root = new IIOMetadataNode(PngMetadata.FORMAT);
    root.appendChild(chunk);
    return root;
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void checkText(String text) {
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("PNG text cannot hold a NUL character; remove it from the parameters");
    }
  }

  private static void deleteQuietly(Path temp) {
    if (temp == null) {
      return;
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      System.getLogger(PngWriter.class.getName())
          .log(System.Logger.Level.WARNING, "could not delete the temporary file " + temp, e);
    }
  }
}
