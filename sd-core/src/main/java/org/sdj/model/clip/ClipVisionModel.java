package org.sdj.model.clip;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sdj.backend.Activation;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.ClipVisionConfig;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.nn.LayerNorm;
import org.sdj.model.nn.Linear;

/**
 * transformers' {@code CLIPVisionModelWithProjection}, the image encoder of IP-Adapter: the image cut into patches
 * (one token each) after a class token, position embeddings, a layer norm ({@code pre_layrnorm}), the pre-norm
 * transformer layers with full (not causal) attention, and for the image embedding the class token's last state
 * through {@code post_layernorm} and {@code visual_projection}. Weights are named as transformers saves them
 * ({@code vision_model.embeddings.patch_embedding.weight}, ..., {@code visual_projection.weight}). Immutable and safe
 * to run from several threads, each with its own {@link Ops}.
 */
public final class ClipVisionModel {
  private static final String PREFIX = "vision_model";

  private final ClipVisionConfig config;
  /** {@code [hidden, channels, patch, patch]}, stride {@code patch}, no bias. */
  private final Conv2d patchEmbedding;
  /** {@code [hidden]}. */
  private final Tensor classEmbedding;
  /** {@code [1 + patches, hidden]}. */
  private final Tensor positionEmbedding;
  private final LayerNorm preLayerNorm;
  private final List<ClipEncoderLayer> layers = new ArrayList<>();
  private final LayerNorm postLayerNorm;
  /** {@code [projection_dim, hidden]}, no bias. */
  private final Linear visualProjection;

  /** Builds the encoder from {@code config} and {@code root}; problems are recorded in {@code root}, not thrown. */
  public ClipVisionModel(ClipVisionConfig config, Weights root) {
    this.config = config;
    Weights w = root.prefix(PREFIX);
    long hidden = config.hiddenSize();
    int patch = config.patchSize();
    Activation act = ClipActivation.of(config.hiddenAct(), w);
    this.patchEmbedding = new Conv2d(
        w.get("embeddings.patch_embedding.weight", hidden, config.numChannels(), patch, patch), null,
        Conv2dParams.of(Math.max(patch, 1), 0));
    this.classEmbedding = w.get("embeddings.class_embedding", hidden);
    this.positionEmbedding = w.get("embeddings.position_embedding.weight", config.tokenCount(), hidden);
    float eps = (float) config.layerNormEps();
    this.preLayerNorm = LayerNorm.load(w.prefix("pre_layrnorm"), hidden, eps);
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      layers.add(new ClipEncoderLayer(w.prefix("encoder.layers." + i), hidden, config.intermediateSize(),
          config.numAttentionHeads(), eps, act, false));
    }
    this.postLayerNorm = LayerNorm.load(w.prefix("post_layernorm"), hidden, eps);
    this.visualProjection = Linear.load(root.prefix("visual_projection"), hidden, config.projectionDim(), false);
  }

  public ClipVisionConfig config() {
    return config;
  }

  /** Number of transformer layers. */
  public int layerCount() {
    return layers.size();
  }

  /**
   * transformers' {@code image_embeds}: the class token of the last layer's output, through {@code post_layernorm}
   * and {@code visual_projection}.
   *
   * @param pixels {@code [B, num_channels, image_size, image_size]}, as {@code ClipImageProcessor} makes them
   * @return {@code [B, projection_dim]}
   * @throws IllegalArgumentException if {@code pixels} is not of that shape
   */
  public Tensor imageEmbeds(Ops ops, Tensor pixels) {
    Tensor last = hiddenState(ops, pixels, layers.size());
    long batch = last.dim(0);
    Tensor classToken = ops.narrow(last, 1, 0, 1);
    last.close();
    Tensor rows = ops.reshape(classToken, batch, config.hiddenSize());
    Tensor normed = postLayerNorm.forward(ops, rows);
    classToken.close();
    rows.close();
    Tensor embeds = visualProjection.forward(ops, normed);
    normed.close();
    return embeds;
  }

  /**
   * transformers' {@code hidden_states[layer]}: for 0, the embeddings (class and patch tokens plus positions) after
   * {@code pre_layrnorm}, which is what the first layer takes; else the output of layer {@code layer} (1-based), with
   * no final norm. IP-Adapter Plus takes {@code hidden_states[-2]}, {@code layer = layerCount() - 1}.
   *
   * @param pixels {@code [B, num_channels, image_size, image_size]}
   * @param layer {@code 0..layerCount()}
   * @return {@code [B, 1 + (image_size / patch_size)^2, hidden_size]}, the class token first, then the patches row by
   *     row
   * @throws IllegalArgumentException if {@code pixels} is not of that shape or {@code layer} is out of range
   */
  public Tensor hiddenState(Ops ops, Tensor pixels, int layer) {
    if (layer < 0 || layer > layers.size()) {
      throw new IllegalArgumentException("layer " + layer + " is not in 0.." + layers.size());
    }
    checkPixels(pixels);
    Tensor h = embeddings(ops, pixels);
    for (int i = 0; i < layer; i++) {
      Tensor next = layers.get(i).forward(ops, h);
      h.close();
      h = next;
    }
    return h;
  }

  /** {@code [B, C, S, S] -> [B, 1 + P, hidden]}: the class token, the patch tokens, positions added, pre-normed. */
  private Tensor embeddings(Ops ops, Tensor pixels) {
    int batch = Math.toIntExact(pixels.dim(0));
    long hidden = config.hiddenSize();
    Tensor grid = patchEmbedding.forward(ops, pixels);
    Tensor patches = ops.nchwToTokens(grid);
    grid.close();
    // Picking the one row of the class embedding once per image gives it the activation type, as concat needs.
    Tensor table = ops.reshape(classEmbedding, 1, hidden);
    Tensor classRows = ops.embedding(table, new int[batch]);
    table.close();
    Tensor classTokens = ops.reshape(classRows, batch, 1, hidden);
    classRows.close();
    Tensor tokens = ops.concat(1, classTokens, patches);
    classTokens.close();
    patches.close();
    Tensor positioned = ops.add(tokens, positionEmbedding);
    tokens.close();
    Tensor h = preLayerNorm.forward(ops, positioned);
    positioned.close();
    return h;
  }

  private void checkPixels(Tensor pixels) {
    long[] shape = pixels.shape();
    int size = config.imageSize();
    if (shape.length != 4 || shape[0] < 1 || shape[1] != config.numChannels() || shape[2] != size
        || shape[3] != size) {
      throw new IllegalArgumentException("the image encoder takes pixels [B, " + config.numChannels() + ", " + size
          + ", " + size + "] (its image_size is " + size + "), not " + Arrays.toString(shape));
    }
  }
}
