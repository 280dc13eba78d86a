package org.sdj.tokenizer;

import java.util.Arrays;

/**
 * A prompt as CLIP input ids.
 *
 * @param ids exactly {@link ClipTokenizer#maxLength()} ids, shape {@code [maxLength]}: BOS, the prompt's tokens, EOS,
 *     then the pad id up to the end
 * @param tokenCount how many leading ids are BOS, prompt tokens and EOS (the rest is padding); at most {@code
 *     ids.length}
 * @param truncated whether prompt tokens were dropped to fit; callers may warn that the end of the prompt was ignored
 */
public record TokenizedText(int[] ids, int tokenCount, boolean truncated) {

  public TokenizedText {
    ids = ids.clone();
    if (tokenCount < 2 || tokenCount > ids.length) {
      throw new IllegalArgumentException(
          "tokenCount must be in [2, " + ids.length + "] (BOS and EOS included), got " + tokenCount);
    }
  }

  /** A copy of the ids; the record itself stays immutable. */
  @Override
  public int[] ids() {
    return ids.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TokenizedText that
        && tokenCount == that.tokenCount
        && truncated == that.truncated
        && Arrays.equals(ids, that.ids);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(ids) + tokenCount) + Boolean.hashCode(truncated);
  }

  @Override
  public String toString() {
    return "TokenizedText[ids=" + Arrays.toString(ids) + ", tokenCount=" + tokenCount + ", truncated=" + truncated + "]";
  }
}
