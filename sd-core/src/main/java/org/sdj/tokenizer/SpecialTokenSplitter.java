package org.sdj.tokenizer;

import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * Cuts text at special tokens, which are never split and map to their own ids. At each place the earliest match wins,
 * and of matches that start together the longest, so that {@code <|endoftext|>} beats a special {@code <}.
 */
final class SpecialTokenSplitter {
  /** A special token's exact text and id. */
  record SpecialToken(String content, int id) {}

  private final List<SpecialToken> tokens;

  SpecialTokenSplitter(List<SpecialToken> tokens) {
    this.tokens = List.copyOf(tokens);
  }

  /**
   * Passes the text between special tokens to {@code onText} (never empty) and each special token's id to {@code
   * onSpecial}, in order.
   *
   * @return false if a callback asked to stop by returning false
   */
  boolean split(String text, Predicate<String> onText, IntPredicate onSpecial) {
    int position = 0;
    while (position < text.length()) {
      int matchStart = text.length();
      SpecialToken match = null;
      for (SpecialToken token : tokens) {
        int at = text.indexOf(token.content(), position);
        if (at >= 0
            && (at < matchStart
                || (at == matchStart && token.content().length() > match.content().length()))) {
          matchStart = at;
          match = token;
        }
      }
      if (matchStart > position && !onText.test(text.substring(position, matchStart))) {
        return false;
      }
      if (match == null) {
        return true;
      }
      if (!onSpecial.test(match.id())) {
        return false;
      }
      position = matchStart + match.content().length();
    }
    return true;
  }
}
