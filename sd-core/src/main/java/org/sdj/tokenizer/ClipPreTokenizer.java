package org.sdj.tokenizer;

import java.util.function.Predicate;

/**
 * Splits normalized text into the words that BPE encodes one by one, as CLIP's pattern {@code 's|'t|'re|'ve|'m|'ll|'d|
 * [\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+} does, followed by the byte-level pre-tokenizer of transformers 5. White space
 * separates words and is dropped.
 *
 * <p>A hand-written scanner rather than a {@link java.util.regex.Pattern}: it needs no regex engine per prompt, and it
 * spells out the one case where the two splitting steps disagree with CLIP's pattern alone (see {@link
 * #BOUNDARY_WORDS}).
 */
final class ClipPreTokenizer {
  private static final String[] CONTRACTIONS = {"s", "t", "re", "ve", "m", "ll", "d"};

  /**
   * CLIP's pattern keeps these whole, but the byte-level step that follows splits them again into {@code <|}, the
   * word and {@code |>}. They only reach this point when they were not matched as special tokens before.
   */
  private static final String[] BOUNDARY_WORDS = {"startoftext", "endoftext"};

  private ClipPreTokenizer() {}

  /**
   * Passes each word of {@code text} to {@code onWord}, in order.
   *
   * @return false if {@code onWord} asked to stop by returning false
   */
  static boolean split(String text, Predicate<String> onWord) {
    int i = 0;
    int n = text.length();
    while (i < n) {
      int cp = text.codePointAt(i);
      if (ClipNormalizer.isWhiteSpace(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      if (cp == '<') {
        String boundaryWord = boundaryWordAt(text, i);
        if (boundaryWord != null) {
          if (!onWord.test("<|") || !onWord.test(boundaryWord) || !onWord.test("|>")) {
            return false;
          }
          i += boundaryWord.length() + 4;
          continue;
        }
      }
      int end = wordEnd(text, i, cp);
      if (!onWord.test(text.substring(i, end))) {
        return false;
      }
      i = end;
    }
    return true;
  }

  private static int wordEnd(String text, int start, int firstCodePoint) {
    if (firstCodePoint == '\'') {
      for (String suffix : CONTRACTIONS) {
        if (text.startsWith(suffix, start + 1)) {
          return start + 1 + suffix.length();
        }
      }
    }
    if (Character.isLetter(firstCodePoint)) {
      return runEnd(text, start, CharClass.LETTER);
    }
    if (isNumber(firstCodePoint)) {
      return start + Character.charCount(firstCodePoint);
    }
    return runEnd(text, start, CharClass.OTHER);
  }

  private static int runEnd(String text, int start, CharClass charClass) {
    int i = start;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      if (classOf(cp) != charClass) {
        break;
      }
      i += Character.charCount(cp);
    }
    return i;
  }

  private static String boundaryWordAt(String text, int i) {
    if (!text.startsWith("<|", i)) {
      return null;
    }
    for (String word : BOUNDARY_WORDS) {
      if (text.startsWith(word, i + 2) && text.startsWith("|>", i + 2 + word.length())) {
        return word;
      }
    }
    return null;
  }

  private enum CharClass {
    LETTER,
    NUMBER,
    SPACE,
    OTHER
  }

  private static CharClass classOf(int cp) {
    if (Character.isLetter(cp)) {
      return CharClass.LETTER;
    }
    if (isNumber(cp)) {
      return CharClass.NUMBER;
    }
    return ClipNormalizer.isWhiteSpace(cp) ? CharClass.SPACE : CharClass.OTHER;
  }

  /** Unicode category N: decimal digits, letter numbers (Ⅻ) and other numbers (½, ①, ²). */
  private static boolean isNumber(int cp) {
    int type = Character.getType(cp);
    return type == Character.DECIMAL_DIGIT_NUMBER
        || type == Character.LETTER_NUMBER
        || type == Character.OTHER_NUMBER;
  }
}
