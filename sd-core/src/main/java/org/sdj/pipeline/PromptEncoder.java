package org.sdj.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.clip.ClipTextModel;
import org.sdj.prompt.Embedding;
import org.sdj.prompt.Emphasis;
import org.sdj.prompt.PromptChunk;
import org.sdj.prompt.PromptSyntax;
import org.sdj.tokenizer.ClipTokenizer;

/**
 * Prompts to the UNet's text context: diffusers' {@code encode_prompt} ({@link PromptSyntax#PLAIN}), or AUTOMATIC1111's
 * weighted chunks ({@link PromptSyntax#A1111}). With SDXL's second text encoder, both encoders' penultimate hidden
 * states side by side (the refiner's alone), and the second one's pooled projection.
 */
final class PromptEncoder {
  private final Optional<PipelineComponents.FirstEncoder> first;
  private final Optional<PipelineComponents.SecondEncoder> second;
  private final List<Embedding> embeddings;
  private final int clipSkip;
  private final Emphasis emphasis;

  /**
   * @param first the (first) tokenizer and text encoder; empty for SDXL's refiner
   * @param second SDXL's second tokenizer and text encoder
   * @param embeddings textual-inversion embeddings the A1111 syntax calls by name
   * @param clipSkip A1111's "Clip skip": 1 for the text encoder's last layer (SDXL: its penultimate, as diffusers'
   *     {@code clip_skip} is counted there)
   * @param emphasis how the A1111 syntax reads and applies its weights
   */
  PromptEncoder(Optional<PipelineComponents.FirstEncoder> first, Optional<PipelineComponents.SecondEncoder> second,
      List<Embedding> embeddings, int clipSkip, Emphasis emphasis) {
    if (first.isEmpty() && second.isEmpty()) {
      throw new IllegalArgumentException("no text encoder");
    }
    this.first = first;
    this.second = second;
    this.embeddings = List.copyOf(embeddings);
    this.clipSkip = clipSkip;
    this.emphasis = emphasis;
  }

  /**
   * Encoded prompts.
   *
   * @param context {@code [texts, L, D]}
   * @param pooled SDXL's pooled text embedding {@code [texts, projection_dim]}
   */
  record Encoded(Tensor context, Optional<Tensor> pooled) {}

  /**
   * The context of {@code texts} as diffusers encodes them: one sequence each, cut to the tokenizer's length.
   *
   * @param texts2 what SDXL's second text encoder reads, one per text (ignored by models of one encoder)
   * @return context {@code [texts, 77, D]}
   */
  Encoded plain(Ops ops, List<String> texts, List<String> texts2) {
    if (second.isEmpty()) {
      PipelineComponents.FirstEncoder only = first.orElseThrow();
      return new Encoded(only.textEncoder().forward(ops, plainIds(only.tokenizer(), texts), texts.size(),
          clipSkip - 1), Optional.empty());
    }
    Optional<Chunks> one = first.map(f -> new Chunks(texts.size(), 1, f.tokenizer().maxLength(),
        plainIds(f.tokenizer(), texts), new float[0], Map.of(), Emphasis.ORIGINAL));
    ClipTokenizer tokenizer2 = second.get().tokenizer();
    return sdxl(ops, one, new Chunks(texts.size(), 1, tokenizer2.maxLength(), plainIds(tokenizer2, texts2),
        new float[0], Map.of(), Emphasis.ORIGINAL), false);
  }

  private static int[] plainIds(ClipTokenizer tokenizer, List<String> texts) {
    int length = tokenizer.maxLength();
    int[] ids = new int[texts.size() * length];
    for (int i = 0; i < texts.size(); i++) {
      System.arraycopy(tokenizer.encode(texts.get(i)), 0, ids, i * length, length);
    }
    return ids;
  }

  /**
   * SDXL's encoders on the same rows of ids: {@code hidden_states[-(clip_skip + 1)]} of each (A1111's count), each
   * with its embeddings' vectors (and with {@code emphasize}, its chunks' weights), side by side (the refiner's second
   * encoder alone); the second one's pooled projection.
   */
  private Encoded sdxl(Ops ops, Optional<Chunks> one, Chunks other, boolean emphasize) {
    ClipTextModel encoder2 = second.orElseThrow().textEncoder();
    ClipTextModel.HiddenAndPooled out = encoder2.hiddenAndPooled(ops, other.ids(), other.rows(),
        encoder2.layerCount() - clipSkip, other.vectors());
    Tensor context2 = emphasize ? other.emphasized(ops, out.hidden()) : out.hidden();
    if (one.isEmpty()) {
      return new Encoded(context2, Optional.of(out.pooled()));
    }
    Chunks group = one.get();
    ClipTextModel encoder = first.orElseThrow().textEncoder();
    Tensor hidden = encoder.hiddenState(ops, group.ids(), group.rows(), encoder.layerCount() - clipSkip,
        group.vectors());
    return new Encoded(ops.concat(2, emphasize ? group.emphasized(ops, hidden) : hidden, context2),
        Optional.of(out.pooled()));
  }

  /**
   * The context of {@code texts} as A1111 encodes one group of them (the prompts, or the negative prompts): each
   * text's chunks ({@link PromptChunk#of}), the group's shorter ones padded with empty chunks to the longest's count,
   * all through the text encoder; then, chunk by chunk over the group, each output row scaled by its token's weight and
   * the chunk rescaled to the mean it had before (A1111's "Original" emphasis); the chunks of a text concatenated.
   * With SDXL, each encoder's output is weighted apart, and the pooled embedding is the first chunk's, as A1111 takes
   * them; where the second encoder reads other texts, both are padded to the same count of chunks.
   *
   * @param texts2 what SDXL's second text encoder reads, one per text (ignored by models of one encoder)
   * @return context {@code [texts, chunks * 77, D]}
   */
  Encoded weighted(Ops ops, List<String> texts, List<String> texts2) {
    if (second.isEmpty()) {
      PipelineComponents.FirstEncoder only = first.orElseThrow();
      Chunks group = chunks(only.tokenizer(), texts, false, 1);
      Tensor out = only.textEncoder().forward(ops, group.ids(), group.rows(), clipSkip - 1, group.vectors());
      return new Encoded(group.emphasized(ops, out), Optional.empty());
    }
    ClipTokenizer tokenizer2 = second.get().tokenizer();
    Chunks other = chunks(tokenizer2, texts2, true, 1);
    Optional<Chunks> one = Optional.empty();
    if (first.isPresent()) {
      Chunks group = chunks(first.get().tokenizer(), texts, false, other.chunks());
      if (group.chunks() > other.chunks()) {
        other = chunks(tokenizer2, texts2, true, group.chunks());
      }
      one = Optional.of(group);
    }
    Encoded both = sdxl(ops, one, other, true);
    Tensor pooled = both.pooled().orElseThrow();
    Tensor firstChunks = null;
    for (int t = 0; t < texts.size(); t++) {
      Tensor row = ops.narrow(pooled, 0, (long) t * other.chunks(), 1);
      firstChunks = firstChunks == null ? row : ops.concat(0, firstChunks, row);
    }
    return new Encoded(both.context(), Optional.of(firstChunks));
  }

  /**
   * One group of texts in chunks, for one tokenizer.
   *
   * @param ids {@code [texts * chunks, 77]} flattened
   * @param weights each id's weight
   * @param vectors embedding vectors in place of some ids' (index into {@code ids})
   */
  private record Chunks(int texts, int chunks, int length, int[] ids, float[] weights, Map<Integer, float[]> vectors,
      Emphasis emphasis) {
    int rows() {
      return texts * chunks;
    }

    /**
     * The encoder's output {@code [texts * chunks, 77, D]} weighted as the emphasis says, as {@code [texts, chunks *
     * 77, D]}.
     */
    Tensor emphasized(Ops ops, Tensor out) {
      long hidden = out.shape()[2];
      if (!emphasis.weighs()) {
        return ops.reshape(out, texts, (long) chunks * length, hidden);
      }
      float[] z = ops.toHost(out);
      out.close();
      emphasize(z, weights, texts, chunks, length, (int) hidden, emphasis == Emphasis.ORIGINAL);
      return ops.fromHost(z, texts, (long) chunks * length, hidden);
    }
  }

  /**
   * @param secondEncoder whether the chunks are for SDXL's second text encoder (its embeddings' clip_g vectors)
   * @param minChunks chunks per text at least (padded with empty ones)
   */
  private Chunks chunks(ClipTokenizer tokenizer, List<String> texts, boolean secondEncoder, int minChunks) {
    List<List<PromptChunk>> perText = new ArrayList<>();
    int chunks = minChunks;
    for (String text : texts) {
      List<PromptChunk> c = PromptChunk.of(text, tokenizer, embeddings, emphasis);
      perText.add(c);
      chunks = Math.max(chunks, c.size());
    }
    int length = tokenizer.maxLength();
    int n = texts.size();
    int[] ids = new int[n * chunks * length];
    float[] weights = new float[ids.length];
    Map<Integer, float[]> vectors = new HashMap<>();
    PromptChunk empty = PromptChunk.empty(tokenizer);
    for (int t = 0; t < n; t++) {
      for (int c = 0; c < chunks; c++) {
        PromptChunk chunk = c < perText.get(t).size() ? perText.get(t).get(c) : empty;
        int start = (t * chunks + c) * length;
        System.arraycopy(chunk.ids(), 0, ids, start, length);
        System.arraycopy(chunk.weights(), 0, weights, start, length);
        for (PromptChunk.EmbeddingAt at : chunk.embeddings()) {
          for (int i = 0; i < at.embedding().count(); i++) {
            vectors.put(start + at.position() + i, secondEncoder ? at.embedding().secondVector(i)
                : at.embedding().vector(i));
          }
        }
      }
    }
    return new Chunks(n, chunks, length, ids, weights, vectors, emphasis);
  }

  /**
   * z {@code [n, chunks, length, hidden]} in place: per chunk index, weighted over the group, its mean kept where
   * {@code keepMean} (A1111's Original emphasis; its No norm leaves it).
   */
  static void emphasize(float[] z, float[] weights, int n, int chunks, int length, int hidden, boolean keepMean) {
    int rows = chunks * length;
    for (int c = 0; c < chunks; c++) {
      double before = 0;
      double after = 0;
      for (int t = 0; t < n; t++) {
        for (int i = 0; i < length; i++) {
          int row = t * rows + c * length + i;
          float w = weights[row];
          for (int j = row * hidden, end = j + hidden; j < end; j++) {
            before += z[j];
            z[j] *= w;
            after += z[j];
          }
        }
      }
      float rescale = after == 0 || !keepMean ? 1f : (float) (before / after);
      for (int t = 0; t < n; t++) {
        int from = (t * rows + c * length) * hidden;
        for (int j = from, end = from + length * hidden; j < end; j++) {
          z[j] *= rescale;
        }
      }
    }
  }
}
