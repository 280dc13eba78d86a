package org.sdj.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What {@code tokenizer_config.json} and {@code special_tokens_map.json} say about a CLIP tokenizer: its sequence
 * length and special tokens. Both files are optional; a token named in {@code special_tokens_map.json} overrides the
 * one in {@code tokenizer_config.json}, as transformers loads them.
 */
record TokenizerConfig(
    int maxLength,
    SpecialTokenSpec bos,
    SpecialTokenSpec eos,
    SpecialTokenSpec unk,
    SpecialTokenSpec pad,
    List<SpecialTokenSpec> additional) {

  static final String CONFIG_FILE = "tokenizer_config.json";
  static final String SPECIAL_TOKENS_FILE = "special_tokens_map.json";
  static final int DEFAULT_MAX_LENGTH = 77;

  /** Longest sequence accepted; CLIP text encoders have 77 positions, so anything near this is a broken file. */
  static final int MAX_MAX_LENGTH = 1 << 16;

  /** transformers saves {@code int(1e30)} when a tokenizer has no length limit. */
  private static final double NO_LIMIT_SENTINEL = 1e29;

  private static final String START_OF_TEXT = "<|startoftext|>";
  private static final String END_OF_TEXT = "<|endoftext|>";
  private static final System.Logger LOG = System.getLogger(TokenizerConfig.class.getName());

  TokenizerConfig {
    additional = List.copyOf(additional);
  }

  /** All special tokens, BOS, EOS, UNK and PAD first. */
  List<SpecialTokenSpec> all() {
    List<SpecialTokenSpec> all = new ArrayList<>(List.of(bos, eos, unk, pad));
    all.addAll(additional);
    return all;
  }

  static TokenizerConfig read(Path dir) {
    JsonNode config = TokenizerFiles.readOptionalJson(dir.resolve(CONFIG_FILE));
    JsonNode specialTokens = TokenizerFiles.readOptionalJson(dir.resolve(SPECIAL_TOKENS_FILE));
    Function<String, SpecialTokenSpec> role =
        key -> {
          SpecialTokenSpec fromMap = tokenOf(specialTokens, key, SPECIAL_TOKENS_FILE);
          SpecialTokenSpec fromConfig = tokenOf(config, key, CONFIG_FILE);
          return fromMap != null ? fromMap : fromConfig;
        };
    return new TokenizerConfig(
        maxLength(config),
        orDefault(role.apply("bos_token"), START_OF_TEXT),
        orDefault(role.apply("eos_token"), END_OF_TEXT),
        orDefault(role.apply("unk_token"), END_OF_TEXT),
        orDefault(role.apply("pad_token"), END_OF_TEXT),
        specialTokens.has("additional_special_tokens")
            ? additional(specialTokens, SPECIAL_TOKENS_FILE)
            : additional(config, CONFIG_FILE));
  }

  private static int maxLength(JsonNode config) {
    JsonNode node = config.path("model_max_length");
    if (node.isMissingNode() || node.isNull()) {
      return DEFAULT_MAX_LENGTH;
    }
    if (node.isNumber() && node.asDouble() >= NO_LIMIT_SENTINEL) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "{0} sets no model_max_length; using CLIP''s {1}",
          CONFIG_FILE,
          DEFAULT_MAX_LENGTH);
      return DEFAULT_MAX_LENGTH;
    }
    if (!node.canConvertToExactIntegral()
        || !node.canConvertToInt()
        || node.asInt() < 2
        || node.asInt() > MAX_MAX_LENGTH) {
      throw TokenizerFiles.corrupt(
          CONFIG_FILE,
          "model_max_length " + node + " is not a usable sequence length (an integer from 2 to " + MAX_MAX_LENGTH
              + "; CLIP uses 77)");
    }
    return node.asInt();
  }

  private static List<SpecialTokenSpec> additional(JsonNode file, String source) {
    JsonNode list = file.path("additional_special_tokens");
    if (list.isMissingNode() || list.isNull()) {
      return List.of();
    }
    if (!list.isArray()) {
      throw TokenizerFiles.corrupt(source, "additional_special_tokens must be a list");
    }
    List<SpecialTokenSpec> tokens = new ArrayList<>();
    for (JsonNode item : list) {
      tokens.add(parseToken(item, "additional_special_tokens", source));
    }
    return tokens;
  }

  private static SpecialTokenSpec tokenOf(JsonNode file, String key, String source) {
    JsonNode node = file.path(key);
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    return parseToken(node, key, source);
  }

  /** A token is either its text or an object with a {@code content} field (transformers' saved AddedToken). */
  private static SpecialTokenSpec parseToken(JsonNode node, String key, String source) {
    JsonNode content = node.isObject() ? node.path("content") : node;
    if (!content.isTextual() || content.asText().isEmpty()) {
      throw TokenizerFiles.corrupt(
          source, key + " must be a non-empty string or an object with a string \"content\", got " + node);
    }
    boolean normalized = node.isObject() && node.path("normalized").asBoolean(false);
    return new SpecialTokenSpec(content.asText(), normalized, source);
  }

  private static SpecialTokenSpec orDefault(SpecialTokenSpec token, String content) {
    return token != null ? token : new SpecialTokenSpec(content, false, "the default");
  }
}
