package org.sdj.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sdj.SdjException;

/**
 * CLIP's byte-level BPE tokenizer, giving the input ids that transformers' {@code CLIPTokenizer} gives to Stable
 * Diffusion's text encoder: {@code tokenizer(text, padding="max_length", max_length=model_max_length,
 * truncation=True)}.
 *
 * <p>Steps: special tokens (BOS, EOS, UNK, PAD and any additional ones) are cut out of the raw text first and map to
 * their own ids, so that with an SD 2.x tokenizer, whose pad token is {@code !}, every {@code !} is the pad id. The
 * rest is normalized (NFC, white space collapsed, lower case), split into words, and each word's UTF-8 bytes are
 * merged by BPE. The result is BOS, at most {@code maxLength - 2} tokens, EOS, then padding.
 *
 * <p>Immutable and thread-safe: one instance serves any number of threads.
 */
public final class ClipTokenizer {
  private final BytePairEncoder encoder;
  private final SpecialTokenSplitter rawSpecials;
  private final SpecialTokenSplitter normalizedSpecials;
  private final int maxLength;
  private final int bosId;
  private final int eosId;
  private final int padId;

  private ClipTokenizer(
      BytePairEncoder encoder,
      SpecialTokenSplitter rawSpecials,
      SpecialTokenSplitter normalizedSpecials,
      int maxLength,
      int bosId,
      int eosId,
      int padId) {
    this.encoder = encoder;
    this.rawSpecials = rawSpecials;
    this.normalizedSpecials = normalizedSpecials;
    this.maxLength = maxLength;
    this.bosId = bosId;
    this.eosId = eosId;
    this.padId = padId;
  }

  /**
   * Loads a tokenizer folder: {@code vocab.json} and {@code merges.txt}, and optionally {@code tokenizer_config.json}
   * and {@code special_tokens_map.json} (sequence length, default 77; special tokens, defaulting to SD 1.x's: BOS
   * {@code <|startoftext|>}, EOS, UNK and PAD {@code <|endoftext|>}).
   *
   * @param tokenizerDir the folder, e.g. a diffusers pipeline's {@code tokenizer/}
   * @throws SdjException if the folder or a required file is missing, or a file is corrupt (the message names it)
   */
  public static ClipTokenizer load(Path tokenizerDir) {
    Objects.requireNonNull(tokenizerDir, "tokenizerDir");
    if (!Files.isDirectory(tokenizerDir)) {
      throw new SdjException("Tokenizer folder " + tokenizerDir + " does not exist or is not a folder");
    }
    Map<String, Integer> vocab = TokenizerFiles.readVocab(tokenizerDir);
    BytePairEncoder encoder =
        new BytePairEncoder(
            TokenizerFiles.byteSymbolIds(vocab, ""),
            TokenizerFiles.byteSymbolIds(vocab, TokenizerFiles.END_OF_WORD),
            TokenizerFiles.readMerges(tokenizerDir, vocab));
    TokenizerConfig config = TokenizerConfig.read(tokenizerDir);
    List<SpecialTokenSplitter.SpecialToken> raw = new ArrayList<>();
    List<SpecialTokenSplitter.SpecialToken> normalized = new ArrayList<>();
    for (SpecialTokenSpec spec : config.all()) {
      int id = idOf(vocab, spec);
      if (spec.normalized()) {
        normalized.add(new SpecialTokenSplitter.SpecialToken(ClipNormalizer.normalize(spec.content()), id));
      } else {
        raw.add(new SpecialTokenSplitter.SpecialToken(spec.content(), id));
      }
    }
    return new ClipTokenizer(
        encoder,
        new SpecialTokenSplitter(raw),
        new SpecialTokenSplitter(normalized),
        config.maxLength(),
        idOf(vocab, config.bos()),
        idOf(vocab, config.eos()),
        idOf(vocab, config.pad()));
  }

  /**
   * The input ids of {@code text}: exactly {@link #maxLength()} of them (shape {@code [maxLength]}), BOS first, EOS
   * after the last kept token, then padding. Tokens past {@code maxLength - 2} are dropped.
   */
  public int[] encode(String text) {
    return tokenize(text).ids();
  }

  /** Like {@link #encode}, and also says how many ids are not padding and whether the prompt was cut. */
  public TokenizedText tokenize(String text) {
    return collect(text, maxLength - 2).finish(bosId, eosId, padId, maxLength);
  }

  /**
   * Every token of {@code text}, without BOS, EOS or padding and without a length limit: transformers'
   * {@code tokenizer(text, add_special_tokens=False, truncation=False).input_ids}, what AUTOMATIC1111 tokenizes each
   * part of a prompt with.
   */
  public int[] tokenIds(String text) {
    return collect(text, Integer.MAX_VALUE - 8).ids();
  }

  private TokenBuffer collect(String text, int capacity) {
    Objects.requireNonNull(text, "text");
    TokenBuffer buffer = new TokenBuffer(capacity);
    rawSpecials.split(text, piece -> encodeRawPiece(piece, buffer), buffer::add);
    return buffer;
  }

  /** The number of ids {@link #encode} returns: the text encoder's sequence length, 77 for Stable Diffusion. */
  public int maxLength() {
    return maxLength;
  }

  /** The id of the begin-of-text token ({@code <|startoftext|>}, 49406 in CLIP's vocabulary). */
  public int bosId() {
    return bosId;
  }

  /** The id of the end-of-text token ({@code <|endoftext|>}, 49407 in CLIP's vocabulary). */
  public int eosId() {
    return eosId;
  }

  /** The id that fills the sequence after EOS: 49407 for SD 1.x, 0 ({@code !}) for SD 2.x. */
  public int padId() {
    return padId;
  }

  private boolean encodeRawPiece(String piece, TokenBuffer buffer) {
    return normalizedSpecials.split(
        ClipNormalizer.normalize(piece), text -> encodeNormalized(text, buffer), buffer::add);
  }

  private boolean encodeNormalized(String text, TokenBuffer buffer) {
    return ClipPreTokenizer.split(text, word -> buffer.addAll(encoder.encode(word)));
  }

  private static int idOf(Map<String, Integer> vocab, SpecialTokenSpec spec) {
    Integer id = vocab.get(spec.content());
    if (id == null) {
      throw new SdjException(
          "Special token "
              + TokenizerFiles.quote(spec.content())
              + " from "
              + spec.source()
              + " is not in "
              + TokenizerFiles.VOCAB_FILE
              + " (tokens added beyond the vocabulary are not supported)");
    }
    return id;
  }
}
