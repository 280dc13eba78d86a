package org.sdj.prompt;

import java.util.Locale;

/** How a prompt's text becomes the text encoder's input. */
public enum PromptSyntax {
  /**
   * diffusers': the text as it is, one sequence of the tokenizer's length (77 ids for Stable Diffusion), tokens past
   * it dropped. Brackets are plain characters.
   */
  PLAIN,
  /**
   * AUTOMATIC1111's (and stable-diffusion.cpp's): {@code (word)} weighs a part 1.1 times more, {@code [word]} 1.1 times
   * less, {@code (word:1.4)} sets its weight, {@code \(} is a literal bracket; {@code BREAK} starts a new chunk; a
   * prompt longer than 75 tokens is encoded in chunks of 75, their outputs concatenated. A prompt of at most 75 tokens
   * without any of these gives exactly what {@link #PLAIN} gives.
   */
  A1111;

  /**
   * The syntax named {@code name} ({@code plain} or {@code a1111}, any case).
   *
   * @throws IllegalArgumentException for another name
   */
  public static PromptSyntax parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown prompt syntax '" + name + "': use plain or a1111", e);
    }
  }
}
