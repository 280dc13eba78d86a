package org.sdj.prompt;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How AUTOMATIC1111's prompt syntax ({@link PromptSyntax#A1111}) applies the weights of {@code (word:1.2)} and
 * {@code [word]}: A1111's "Emphasis mode" setting, recorded in its infotext as {@code Emphasis}.
 */
public enum Emphasis {
  /** Each token's output row times its weight, then each chunk scaled back to the mean it had (A1111's default). */
  ORIGINAL("Original"),
  /** The rows times their weights, the mean left as it comes (A1111's "seems to work better for SDXL"). */
  NO_NORM("No norm"),
  /** The brackets read (and {@code BREAK}), their weights not applied. */
  IGNORE("Ignore"),
  /** Brackets, weights and {@code BREAK} are plain text. */
  NONE("None");

  private final String a1111Name;

  Emphasis(String a1111Name) {
    this.a1111Name = a1111Name;
  }

  /** The name A1111's setting and infotext give it ({@code No norm}). */
  public String a1111Name() {
    return a1111Name;
  }

  /** The command line's name ({@code no-norm}). */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The mode of an A1111 name ({@code No norm}) or a command-line one ({@code no-norm}), in any case. */
  public static Optional<Emphasis> named(String name) {
    String n = name.strip();
    return Arrays.stream(values()).filter(e -> e.a1111Name.equalsIgnoreCase(n) || e.cliName().equalsIgnoreCase(n))
        .findFirst();
  }

  /** Whether the prompt's brackets and {@code BREAK} are read (all but {@link #NONE}). */
  boolean parses() {
    return this != NONE;
  }

  /** Whether the weights scale the text encoder's output ({@link #ORIGINAL} and {@link #NO_NORM}). */
  public boolean weighs() {
    return this == ORIGINAL || this == NO_NORM;
  }
}
