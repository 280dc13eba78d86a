package org.sdj;

import java.awt.image.BufferedImage;
import java.util.Locale;
import java.util.Optional;
import org.sdj.image.CannyEdges;
import org.sdj.image.Images;

/**
 * What a control unit makes of its image before the ControlNet or T2I-Adapter sees it (A1111's ControlNet unit's
 * "Preprocessor", its infotext's {@code Module}): nothing, for an image already made as the network expects, Canny's
 * edges of a picture, for canny networks, or the image inverted, for line art drawn black on white.
 */
public sealed interface ControlPreprocessor {
  /** The image as it is (A1111's {@code none}). */
  ControlPreprocessor NONE = new None();
  /** Each channel {@code 255 - v}: black lines on white made white on black, as line-art and scribble networks take. */
  ControlPreprocessor INVERT = new Invert();

  /** A1111's name of it, as its infotext's {@code Module} records it. */
  String module();

  /** {@code image} made into a control image (the image itself for {@link #NONE}). */
  BufferedImage apply(BufferedImage image);

  /** The image as it is. */
  record None() implements ControlPreprocessor {
    @Override
    public String module() {
      return "none";
    }

    @Override
    public BufferedImage apply(BufferedImage image) {
      return image;
    }
  }

  /** Each channel {@code 255 - v} (A1111's "invert (from white bg & black line)"). */
  record Invert() implements ControlPreprocessor {
    @Override
    public String module() {
      return "invert (from white bg & black line)";
    }

    @Override
    public BufferedImage apply(BufferedImage image) {
      return Images.inverted(image);
    }
  }

  /**
   * OpenCV's Canny edges of the picture ({@link CannyEdges}), white on black, as diffusers' canny ControlNet examples
   * and A1111's "canny" preprocessor make them.
   *
   * @param low the lower hysteresis threshold (A1111's "Canny Low Threshold", {@value #DEFAULT_LOW})
   * @param high the upper one ({@value #DEFAULT_HIGH})
   */
  record Canny(double low, double high) implements ControlPreprocessor {
    public static final double DEFAULT_LOW = 100;
    public static final double DEFAULT_HIGH = 200;

    public Canny {
      if (!(low >= 0 && high >= 0 && Double.isFinite(low) && Double.isFinite(high))) {
        throw new IllegalArgumentException("Canny's thresholds must be finite and at least 0, got " + low + " and "
            + high);
      }
    }

    @Override
    public String module() {
      return "canny";
    }

    @Override
    public BufferedImage apply(BufferedImage image) {
      return CannyEdges.of(image, low, high);
    }
  }

  /**
   * The preprocessor {@code spec} names: {@code none}, {@code invert}, {@code canny} (A1111's thresholds, 100 and
   * 200) or {@code canny:LOW:HIGH}; empty for another.
   */
  static Optional<ControlPreprocessor> named(String spec) {
    String[] parts = spec.strip().toLowerCase(Locale.ROOT).split(":", -1);
    try {
      return switch (parts[0]) {
        case "none" -> parts.length == 1 ? Optional.of(NONE) : Optional.empty();
        case "invert" -> parts.length == 1 ? Optional.of(INVERT) : Optional.empty();
        case "canny" -> parts.length == 1 ? Optional.of(new Canny(Canny.DEFAULT_LOW, Canny.DEFAULT_HIGH))
            : parts.length == 3 ? Optional.of(new Canny(Double.parseDouble(parts[1]), Double.parseDouble(parts[2])))
            : Optional.empty();
        default -> Optional.empty();
      };
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
