package org.sdj.tokenizer;

import java.text.Normalizer;

/**
 * CLIP's text normalization as the transformers 5 tokenizer runs it: NFC, every run of Unicode white space collapsed to
 * one space, then lower case.
 *
 * <p>Lower-casing goes code point by code point, as the Rust normalizer does: so a final capital sigma becomes
 * {@code σ}, not {@code ς} (what {@link String#toLowerCase} would give), while {@code İ} still becomes {@code i̇}.
 */
final class ClipNormalizer {
  private static final int CAPITAL_I_WITH_DOT = 0x130;

  private ClipNormalizer() {}

  static String normalize(String text) {
    String composed = Normalizer.normalize(text, Normalizer.Form.NFC);
    StringBuilder out = new StringBuilder(composed.length());
    boolean inWhiteSpace = false;
    for (int i = 0; i < composed.length(); ) {
      int cp = composed.codePointAt(i);
      i += Character.charCount(cp);
      if (isWhiteSpace(cp)) {
        if (!inWhiteSpace) {
          out.append(' ');
        }
        inWhiteSpace = true;
        continue;
      }
      inWhiteSpace = false;
      if (cp == CAPITAL_I_WITH_DOT) {
        // Its only unconditional full lower-case mapping is two code points; Character.toLowerCase gives just 'i'.
        out.append("i\u0307");
      } else {
        out.appendCodePoint(Character.toLowerCase(cp));
      }
    }
    return out.toString();
  }

  /**
   * Unicode's White_Space property, which regex {@code \s} means in the Rust tokenizer. {@link
   * Character#isWhitespace} differs: it leaves out no-break spaces and counts U+001C..U+001F.
   */
  static boolean isWhiteSpace(int cp) {
    return switch (cp) {
      case 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
      default -> (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x2000 && cp <= 0x200A);
    };
  }
}
