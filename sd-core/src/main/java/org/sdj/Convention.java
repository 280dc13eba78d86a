package org.sdj;

import java.util.Locale;
import java.util.Optional;

/**
 * Whose conventions a choice follows where diffusers and AUTOMATIC1111 differ: how the seed's noise is drawn
 * ({@link NoiseOptions#seeding()}), how img2img's strength becomes steps
 * ({@link GenerationRequest#img2imgSteps()}). diffusers' are sdj's defaults; A1111's remake its pictures.
 */
public enum Convention {
  /** As diffusers does it. */
  DIFFUSERS,
  /** As AUTOMATIC1111 (and Forge) do it. */
  A1111;

  /** The name written in infotexts and taken on the command line: {@code diffusers}, {@code a1111}. */
  public String shortName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The convention a name stands for, any case; empty for anything else. */
  public static Optional<Convention> named(String name) {
    return switch (name.strip().toLowerCase(Locale.ROOT)) {
      case "diffusers" -> Optional.of(DIFFUSERS);
      case "a1111" -> Optional.of(A1111);
      default -> Optional.empty();
    };
  }
}
