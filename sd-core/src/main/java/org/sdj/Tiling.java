package org.sdj;

import java.util.Locale;
import java.util.Optional;

/**
 * Seamless tiling, AUTOMATIC1111's "Tiling": the UNet's and the VAE's convolutions pad their inputs by wrapping
 * around instead of with zeros (torch's {@code padding_mode="circular"}, which A1111 sets on every {@code Conv2d} of
 * the model), so that the picture continues across its own edges and tiles without seams. Not to be confused with
 * VAE tiling ({@link StableDiffusion.Builder#vaeTiling}), which splits the VAE's work to save memory.
 */
public enum Tiling {
  /** Zero padding, as the models were trained: an ordinary picture. */
  NONE(false, false),
  /** Wraps both ways: the picture tiles a plane (A1111's Tiling). */
  BOTH(true, true),
  /** Wraps left to right only: the picture tiles a horizontal strip. */
  X(true, false),
  /** Wraps top to bottom only: the picture tiles a vertical strip. */
  Y(false, true);

  /** The infotext key, as AUTOMATIC1111 writes it ({@code Tiling: True}). */
  public static final String INFOTEXT_KEY = "Tiling";

  private final boolean alongWidth;
  private final boolean alongHeight;

  Tiling(boolean alongWidth, boolean alongHeight) {
    this.alongWidth = alongWidth;
    this.alongHeight = alongHeight;
  }

  /** Whether the left and right edges meet. */
  public boolean alongWidth() {
    return alongWidth;
  }

  /** Whether the top and bottom edges meet. */
  public boolean alongHeight() {
    return alongHeight;
  }

  /** The infotext value: {@code True} for both ways as A1111 writes it, {@code X} or {@code Y} for one. */
  public String infotextValue() {
    return this == BOTH ? "True" : name();
  }

  /**
   * The tiling an infotext value names: {@code True} (A1111's), {@code X} or {@code Y} (any case); {@code False}
   * is {@link #NONE}; empty for anything else.
   */
  public static Optional<Tiling> fromInfotext(String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> Optional.of(BOTH);
      case "false" -> Optional.of(NONE);
      case "x" -> Optional.of(X);
      case "y" -> Optional.of(Y);
      default -> Optional.empty();
    };
  }
}
