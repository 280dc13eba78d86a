package org.sdj.model.clip;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sdj.backend.Activation;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.ClipTextConfig;
import org.sdj.model.Weights;
import org.sdj.model.nn.LayerNorm;
import org.sdj.model.nn.Linear;

/**
 * transformers' {@code CLIPTextModel}: token + position embeddings, causal pre-norm transformer layers, final layer
 * norm; or {@code CLIPTextModelWithProjection} (SDXL's second text encoder), which adds {@code text_projection} for its
 * pooled output. Weights are named with or without the {@code text_model.} prefix (transformers 4.x and 5.x).
 * Immutable and safe to run from several threads, each with its own {@link Ops}.
 */
public final class ClipTextModel {
  private static final String PREFIX = "text_model";

  private final ClipTextConfig config;
  private final Tensor tokenEmbedding;
  private final Tensor positionEmbedding;
  private final List<ClipEncoderLayer> layers = new ArrayList<>();
  private final LayerNorm finalLayerNorm;
  /** {@code text_projection} ({@code [projection_dim, hidden_size]}, no bias): with projection only. */
  private final Optional<Linear> textProjection;

  /** Builds the encoder from {@code config} and {@code root}; problems are recorded in {@code root}, not thrown. */
  public ClipTextModel(ClipTextConfig config, Weights root) {
    this(config, root, false);
  }

  /**
   * Builds the encoder, as {@code CLIPTextModelWithProjection} where {@code withProjection} (its
   * {@code text_projection.weight} beside {@code text_model.}); problems are recorded in {@code root}, not thrown.
   */
  public ClipTextModel(ClipTextConfig config, Weights root, boolean withProjection) {
    this.config = config;
    Weights w = root.has(PREFIX + ".embeddings.token_embedding.weight") ? root.prefix(PREFIX) : root;
    long hidden = config.hiddenSize();
    if (hidden % config.numAttentionHeads() != 0) {
      w.problem("hidden_size " + hidden + " does not split into num_attention_heads " + config.numAttentionHeads());
    }
    Activation act = ClipActivation.of(config.hiddenAct(), w);
    this.tokenEmbedding = w.get("embeddings.token_embedding.weight", config.vocabSize(), hidden);
    this.positionEmbedding = w.get("embeddings.position_embedding.weight", config.maxPositionEmbeddings(), hidden);
    float eps = (float) config.layerNormEps();
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      layers.add(new ClipEncoderLayer(w.prefix("encoder.layers." + i), hidden, config.intermediateSize(),
          config.numAttentionHeads(), eps, act, true));
    }
    this.finalLayerNorm = LayerNorm.load(w.prefix("final_layer_norm"), hidden, eps);
    this.textProjection = withProjection
        ? Optional.of(Linear.load(root.prefix("text_projection"), hidden, config.projectionDim(), false))
        : Optional.empty();
  }

  public ClipTextConfig config() {
    return config;
  }

  /** Number of transformer layers. */
  public int layerCount() {
    return layers.size();
  }

  /**
   * transformers' {@code last_hidden_state}: every layer, then the final layer norm.
   *
   * @param ids token ids, {@code batch} rows of equal length {@code L} (at most {@code max_position_embeddings})
   * @return {@code [batch, L, hidden_size]}
   */
  public Tensor forward(Ops ops, int[] ids, int batch) {
    return forward(ops, ids, batch, 0);
  }

  /**
   * The output after skipping the last {@code skipLayers} layers, then the final layer norm (the "clip skip" of
   * AUTOMATIC1111; 0 gives {@code last_hidden_state}).
   */
  public Tensor forward(Ops ops, int[] ids, int batch, int skipLayers) {
    return forward(ops, ids, batch, skipLayers, Map.of());
  }

  /**
   * {@link #forward(Ops, int[], int, int)} with some input rows given instead of looked up: {@code inputVectors} maps
   * an index into {@code ids} to the {@code [hidden_size]} vector that stands there in place of its token's
   * embedding (textual-inversion embeddings); positions are added as usual.
   */
  public Tensor forward(Ops ops, int[] ids, int batch, int skipLayers, Map<Integer, float[]> inputVectors) {
    Tensor h = hiddenState(ops, ids, batch, layers.size() - skipLayers, inputVectors);
    Tensor out = finalLayerNorm.forward(ops, h);
    h.close();
    return out;
  }

  /**
   * transformers' {@code hidden_states[layer]}: the embeddings for 0, else the output of layer {@code layer} (1-based),
   * without the final layer norm.
   *
   * @return {@code [batch, L, hidden_size]}
   */
  public Tensor hiddenState(Ops ops, int[] ids, int batch, int layer) {
    return hiddenState(ops, ids, batch, layer, Map.of());
  }

  /**
   * {@link #hiddenState(Ops, int[], int, int)} with some input rows given instead of looked up, as in {@link
   * #forward(Ops, int[], int, int, Map)}.
   */
  public Tensor hiddenState(Ops ops, int[] ids, int batch, int layer, Map<Integer, float[]> inputVectors) {
    if (layer < 0 || layer > layers.size()) {
      throw new IllegalArgumentException("layer " + layer + " is not in 0.." + layers.size());
    }
    if (batch < 1 || ids.length % batch != 0) {
      throw new IllegalArgumentException(ids.length + " token ids do not make " + batch + " rows of equal length");
    }
    int length = ids.length / batch;
    if (length > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException(length + " tokens exceed max_position_embeddings "
          + config.maxPositionEmbeddings());
    }
    for (int id : ids) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + config.vocabSize());
      }
    }
    Tensor tokens = ops.reshape(ops.embedding(tokenEmbedding, ids), batch, length, config.hiddenSize());
    if (!inputVectors.isEmpty()) {
      tokens = withRows(ops, tokens, inputVectors);
    }
    Tensor positions = ops.narrow(positionEmbedding, 0, 0, length);
    Tensor h = ops.add(tokens, positions);
    tokens.close();
    positions.close();
    for (int i = 0; i < layer; i++) {
      Tensor next = layers.get(i).forward(ops, h);
      h.close();
      h = next;
    }
    return h;
  }

  /**
   * The hidden state an SDXL pipeline takes as context and the projected pooled output, from one pass: transformers'
   * {@code hidden_states[layer]} and {@code text_embeds} of {@code CLIPTextModelWithProjection}, the final layer norm's
   * output at each row's end token (its first end token, or where {@code eos_token_id} is 2, as in the configs
   * converted from OpenCLIP, its highest id) through {@code text_projection}.
   *
   * @param inputVectors as in {@link #forward(Ops, int[], int, int, Map)}
   * @return {@code hidden [batch, L, hidden_size]}, {@code pooled [batch, projection_dim]}
   * @throws IllegalStateException if this encoder was built without projection
   */
  public HiddenAndPooled hiddenAndPooled(Ops ops, int[] ids, int batch, int layer, Map<Integer, float[]> inputVectors) {
    Linear projection = textProjection.orElseThrow(() -> new IllegalStateException(
        "this text encoder has no text_projection (CLIPTextModel, not CLIPTextModelWithProjection)"));
    Tensor hidden = hiddenState(ops, ids, batch, layer, inputVectors);
    Tensor h = hidden;
    for (int i = layer; i < layers.size(); i++) {
      Tensor next = layers.get(i).forward(ops, h);
      if (h != hidden) {
        h.close();
      }
      h = next;
    }
    Tensor last = finalLayerNorm.forward(ops, h);
    if (h != hidden) {
      h.close();
    }
    int length = ids.length / batch;
    Tensor rows = ops.reshape(last, (long) batch * length, config.hiddenSize());
    Tensor pooledRows = null;
    for (int b = 0; b < batch; b++) {
      Tensor row = ops.narrow(rows, 0, (long) b * length + poolingPosition(ids, b * length, length), 1);
      pooledRows = pooledRows == null ? row : ops.concat(0, pooledRows, row);
    }
    Tensor pooled = projection.forward(ops, pooledRows);
    last.close();
    return new HiddenAndPooled(hidden, pooled);
  }

  /** The outputs of {@link #hiddenAndPooled}. */
  public record HiddenAndPooled(Tensor hidden, Tensor pooled) {}

  /** transformers' pooling position within one row of ids. */
  private int poolingPosition(int[] ids, int from, int length) {
    int best = 0;
    for (int i = 0; i < length; i++) {
      int id = ids[from + i];
      if (config.eosTokenId() == 2) {
        if (id > ids[from + best]) {
          best = i;
        }
      } else if (id == config.eosTokenId()) {
        return i;
      }
    }
    return best;
  }

  /** {@code tokens} {@code [B, L, D]} with the rows {@code rows} names (index into the flattened B * L) replaced. */
  private Tensor withRows(Ops ops, Tensor tokens, Map<Integer, float[]> rows) {
    int hidden = Math.toIntExact(config.hiddenSize());
    float[] host = ops.toHost(tokens);
    for (Map.Entry<Integer, float[]> row : rows.entrySet()) {
      if (row.getValue().length != hidden) {
        throw new IllegalArgumentException("an input vector of " + row.getValue().length + " values for a text"
            + " encoder of hidden size " + hidden);
      }
      System.arraycopy(row.getValue(), 0, host, row.getKey() * hidden, hidden);
    }
    Tensor replaced = ops.fromHost(host, tokens.shape());
    tokens.close();
    return replaced;
  }
}
