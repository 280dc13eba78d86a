package org.sdj.image;

import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Image files that carry their generation parameters, AUTOMATIC1111's way: PNG with a {@code parameters} text chunk,
 * JPEG with an EXIF user comment; the format follows the file's extension ({@link ImageFormat#of}). A written file
 * appears complete or not at all: it is written beside the target and moved over it.
 */
public final class ImageFiles {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private ImageFiles() {}

  /** Writes {@code image} without parameters. */
  public static void write(Path file, BufferedImage image) {
    write(file, image, Optional.empty());
  }

  /** Writes {@code image} with {@code info}'s infotext as its parameters. */
  public static void write(Path file, BufferedImage image, GenerationInfo info) {
    write(file, image, Optional.of(info.format()));
  }

  /**
   * Writes {@code image} with {@code parameters} verbatim as its parameters.
   *
   * @throws IllegalArgumentException if a PNG's text holds a NUL character, which PNG text chunks cannot carry, or a
   *     JPEG's text is too long for its EXIF segment
   * @throws ImageFileException if the extension names no format sdj writes, or the file cannot be written
   */
  public static void writeWithParameters(Path file, BufferedImage image, String parameters) {
    write(file, image, Optional.of(parameters));
  }

  /**
   * Checks, before any work is spent on the picture, that {@code file} can be written: a known extension in a folder
   * that exists. Returns its format.
   *
   * @throws ImageFileException if it cannot be
   */
  public static ImageFormat checkWritable(Path file) {
    ImageFormat format = ImageFormat.of(file);
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      throw new ImageFileException(file, "cannot be written: folder " + dir + " does not exist");
    }
    return format;
  }

  /**
   * The parameters a PNG or JPEG carries, empty when it has none. The pixels are not decoded.
   *
   * @throws ImageFileException if the file is missing, neither PNG nor JPEG, or damaged before the image data
   */
  public static Optional<String> readParameters(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ImageFileException(file, Files.exists(file) ? "is not a regular file" : "does not exist");
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      in.mark(PNG_SIGNATURE.length);
      byte[] head = in.readNBytes(PNG_SIGNATURE.length);
      in.reset();
      if (Arrays.equals(head, PNG_SIGNATURE)) {
        return readPngParameters(file);
      }
      if (head.length >= 3 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8 && (head[2] & 0xFF) == 0xFF) {
        return JpegCodec.readParameters(in);
      }
      throw new ImageFileException(file, "is not a PNG or JPEG file");
    } catch (IOException | RuntimeException e) {
      throw damaged(file, e);
    }
  }

  private static Optional<String> readPngParameters(Path file) throws IOException {
    try (ImageInputStream input = ImageIO.createImageInputStream(file.toFile())) {
      ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
      try {
        reader.setInput(input, true, false);
        return PngCodec.readParameters(reader.getImageMetadata(0));
      } finally {
        reader.dispose();
      }
    }
  }

  private static ImageFileException damaged(Path file, Exception e) {
    if (e instanceof ImageFileException known) {
      return known;
    }
    String detail = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    return new ImageFileException(file, "is damaged (" + detail + ")", e);
  }

  /** The parameters of a PNG or JPEG read as {@link GenerationInfo}, empty when it has none. */
  public static Optional<GenerationInfo> readGenerationInfo(Path file) {
    return readParameters(file).map(GenerationInfo::parse);
  }

  private static void write(Path file, BufferedImage image, Optional<String> parameters) {
    ImageFormat format = checkWritable(file);
    if (format == ImageFormat.PNG) {
      parameters.ifPresent(PngCodec::checkText);
    }
    Path target = file.toAbsolutePath();
    Path temp = null;
    try {
      // Not Files.createTempFile: its files are owner-only (0600), and the image should get the usual permissions.
      temp = target.resolveSibling("." + target.getFileName() + "."
          + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
      switch (format) {
        case PNG -> PngCodec.encode(temp, image, parameters);
        case JPEG -> JpegCodec.encode(temp, image, parameters);
      }
      move(temp, target);
    } catch (IOException e) {
      throw new ImageFileException(file, "cannot be written: " + e.getMessage(), e);
    } finally {
      deleteQuietly(temp);
    }
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path temp) {
    if (temp == null) {
      return;
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      System.getLogger(ImageFiles.class.getName())
          .log(System.Logger.Level.WARNING, "could not delete the temporary file " + temp, e);
    }
  }
}
