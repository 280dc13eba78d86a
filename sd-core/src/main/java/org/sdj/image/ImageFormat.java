package org.sdj.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The formats sdj writes images in, chosen by the file's extension as PIL's {@code Image.save} chooses. */
public enum ImageFormat {
  /** Lossless; the parameters go into a {@code parameters} text chunk. */
  PNG("png"),
  /** Lossy (AUTOMATIC1111's default quality, 80); the parameters go into the EXIF {@code UserComment}. */
  JPEG("jpg", "jpeg");

  private final List<String> extensions;

  ImageFormat(String... extensions) {
    this.extensions = List.of(extensions);
  }

  /** The extensions, without the dot, that select this format (the first one is the usual one). */
  public List<String> extensions() {
    return extensions;
  }

  /**
   * The format {@code file}'s extension names, in any letter case.
   *
   * @throws ImageFileException if the name has no extension, or one sdj does not write
   */
  public static ImageFormat of(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    for (ImageFormat format : values()) {
      if (format.extensions.contains(extension)) {
        return format;
      }
    }
    throw new ImageFileException(file, "cannot be written: " + (dot < 0 ? "the name has no extension"
        : "sdj does not write ." + extension + " files") + "; name it " + supported());
  }

  private static String supported() {
    return Stream.of(values()).flatMap(f -> f.extensions.stream()).map(e -> "*." + e)
        .collect(Collectors.joining(", "));
  }
}
