package org.sdj.io.model;

import java.nio.file.Path;
import java.util.Set;

/**
 * The configuration of a transformers {@code CLIPVisionModelWithProjection} (an IP-Adapter's
 * {@code image_encoder/config.json}), with transformers' defaults for absent keys. A full {@code CLIPConfig}, which
 * holds these keys under {@code vision_config}, is read too.
 *
 * @param imageSize {@code S}: the encoder takes {@code S x S} images
 * @param patchSize side of the square patches the image is cut into, each one token
 * @param hiddenAct {@code quick_gelu} (OpenAI's encoders) or {@code gelu} (OpenCLIP's, IP-Adapter's)
 */
public record ClipVisionConfig(
    int hiddenSize,
    int intermediateSize,
    int projectionDim,
    int numHiddenLayers,
    int numAttentionHeads,
    int imageSize,
    int patchSize,
    int numChannels,
    String hiddenAct,
    double layerNormEps) {

  private static final Set<String> MODEL_TYPES = Set.of("clip_vision_model", "clip");

  /**
   * Reads and validates a {@code config.json}.
   *
   * @throws ModelLoadException listing every problem in the file
   */
  public static ClipVisionConfig read(Path configJson) {
    return ConfigReader.readOrThrow(configJson, "image encoder config", ClipVisionConfig::from);
  }

  static ClipVisionConfig from(ConfigReader file) {
    String modelType = file.string("model_type", "clip_vision_model");
    if (!MODEL_TYPES.contains(modelType)) {
      file.problem("model_type is " + modelType + "; sdj reads clip_vision_model (or clip) image encoders");
    }
    ConfigReader c = file.nested("vision_config").orElse(file);
    ClipVisionConfig config = new ClipVisionConfig(
        c.integer("hidden_size", 768),
        c.integer("intermediate_size", 3072),
        c.integer("projection_dim", 512),
        c.integer("num_hidden_layers", 12),
        c.integer("num_attention_heads", 12),
        c.integer("image_size", 224),
        c.integer("patch_size", 32),
        c.integer("num_channels", 3),
        c.string("hidden_act", "quick_gelu"),
        c.number("layer_norm_eps", 1e-5));
    if (config.numAttentionHeads() <= 0 || config.hiddenSize() % config.numAttentionHeads() != 0) {
      c.problem("hidden_size " + config.hiddenSize() + " is not a multiple of num_attention_heads "
          + config.numAttentionHeads());
    }
    if (config.patchSize() <= 0 || config.imageSize() < config.patchSize()) {
      c.problem("patch_size " + config.patchSize() + " does not fit image_size " + config.imageSize());
    }
    if (config.numHiddenLayers() < 1 || config.numChannels() < 1) {
      c.problem("num_hidden_layers " + config.numHiddenLayers() + " and num_channels " + config.numChannels()
          + " must be positive");
    }
    return config;
  }

  /** Patches per side: {@code imageSize / patchSize}, rounded down as the strided convolution does. */
  public int patchesPerSide() {
    return patchSize > 0 ? imageSize / patchSize : 0;
  }

  /** Tokens per image: the class token, then one per patch. */
  public int tokenCount() {
    return 1 + patchesPerSide() * patchesPerSide();
  }
}
