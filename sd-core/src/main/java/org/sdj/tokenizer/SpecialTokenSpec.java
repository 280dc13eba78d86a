package org.sdj.tokenizer;

/**
 * A special token as a tokenizer folder declares it.
 *
 * @param content the token's text, matched verbatim
 * @param normalized whether it is matched in the normalized (lower-cased) text rather than in the raw text, as
 *     transformers does for tokens saved with {@code "normalized": true}
 * @param source the file that declared it, or "the default", for error messages
 */
record SpecialTokenSpec(String content, boolean normalized, String source) {}
