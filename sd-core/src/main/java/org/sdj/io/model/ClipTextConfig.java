package org.sdj.io.model;

import java.nio.file.Path;

/**
 * The configuration of a transformers {@code CLIPTextModel} ({@code text_encoder/config.json}), with transformers'
 * defaults for absent keys.
 *
 * @param hiddenAct {@code quick_gelu} (SD 1.x) or {@code gelu} (SD 2.x, SDXL)
 * @param eosTokenId transformers pools the text embedding at this token (or, when it is 2, at the highest id)
 */
public record ClipTextConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int projectionDim,
    int numHiddenLayers,
    int numAttentionHeads,
    int maxPositionEmbeddings,
    String hiddenAct,
    double layerNormEps,
    double attentionDropout,
    int bosTokenId,
    int eosTokenId,
    int padTokenId) {

  /**
   * Reads and validates a {@code config.json}.
   *
   * @throws ModelLoadException listing every problem in the file
   */
  public static ClipTextConfig read(Path configJson) {
    return ConfigReader.readOrThrow(configJson, "text encoder config", ClipTextConfig::from);
  }

  static ClipTextConfig from(ConfigReader c) {
    ClipTextConfig config = new ClipTextConfig(
        c.integer("vocab_size", 49408),
        c.integer("hidden_size", 512),
        c.integer("intermediate_size", 2048),
        c.integer("projection_dim", 512),
        c.integer("num_hidden_layers", 12),
        c.integer("num_attention_heads", 8),
        c.integer("max_position_embeddings", 77),
        c.string("hidden_act", "quick_gelu"),
        c.number("layer_norm_eps", 1e-5),
        c.number("attention_dropout", 0),
        c.integer("bos_token_id", 49406),
        c.integer("eos_token_id", 49407),
        c.integer("pad_token_id", 1));
    if (config.numAttentionHeads() <= 0 || config.hiddenSize() % config.numAttentionHeads() != 0) {
      c.problem("hidden_size " + config.hiddenSize() + " is not a multiple of num_attention_heads "
          + config.numAttentionHeads());
    }
    return config;
  }

  /** Width of one attention head: {@code hiddenSize / numAttentionHeads}. */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }
}
