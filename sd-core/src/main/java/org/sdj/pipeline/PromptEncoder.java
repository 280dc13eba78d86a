package org.sdj.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.clip.ClipTextModel;
import org.sdj.prompt.Embedding;
import org.sdj.prompt.PromptChunk;
import org.sdj.prompt.PromptSyntax;
import org.sdj.tokenizer.ClipTokenizer;

/**
 * Prompts to the UNet's text context: diffusers' {@code encode_prompt} ({@link PromptSyntax#PLAIN}), or AUTOMATIC1111's
 * weighted chunks ({@link PromptSyntax#A1111}).
 */
final class PromptEncoder {
  private final ClipTokenizer tokenizer;
  private final ClipTextModel textEncoder;
  private final List<Embedding> embeddings;
  private final int skipLayers;

  /**
   * @param embeddings textual-inversion embeddings the A1111 syntax calls by name
   * @param clipSkip A1111's "Clip skip": 1 for the text encoder's last layer
   */
  PromptEncoder(ClipTokenizer tokenizer, ClipTextModel textEncoder, List<Embedding> embeddings, int clipSkip) {
    this.tokenizer = tokenizer;
    this.textEncoder = textEncoder;
    this.embeddings = List.copyOf(embeddings);
    this.skipLayers = clipSkip - 1;
  }

  /**
   * The context of {@code texts} as diffusers encodes them: one sequence each, cut to the tokenizer's length.
   *
   * @return {@code [texts, 77, D]}
   */
  Tensor plain(Ops ops, List<String> texts) {
    int length = tokenizer.maxLength();
    int[] ids = new int[texts.size() * length];
    for (int i = 0; i < texts.size(); i++) {
      System.arraycopy(tokenizer.encode(texts.get(i)), 0, ids, i * length, length);
    }
    return textEncoder.forward(ops, ids, texts.size(), skipLayers);
  }

  /**
   * The context of {@code texts} as A1111 encodes one group of them (the prompts, or the negative prompts): each
   * text's chunks ({@link PromptChunk#of}), the group's shorter ones padded with empty chunks to the longest's count,
   * all through the text encoder; then, chunk by chunk over the group, each output row scaled by its token's weight and
   * the chunk rescaled to the mean it had before (A1111's "Original" emphasis); the chunks of a text concatenated.
   *
   * @return {@code [texts, chunks * 77, D]}
   */
  Tensor weighted(Ops ops, List<String> texts) {
    List<List<PromptChunk>> perText = new ArrayList<>();
    int chunks = 1;
    for (String text : texts) {
      List<PromptChunk> c = PromptChunk.of(text, tokenizer, embeddings);
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
            vectors.put(start + at.position() + i, at.embedding().vector(i));
          }
        }
      }
    }
    Tensor out = textEncoder.forward(ops, ids, n * chunks, skipLayers, vectors);
    long hidden = out.shape()[2];
    float[] z = ops.toHost(out);
    out.close();
    emphasize(z, weights, n, chunks, length, (int) hidden);
    return ops.fromHost(z, n, (long) chunks * length, hidden);
  }

  /** z {@code [n, chunks, length, hidden]} in place: per chunk index, weighted over the group, its mean kept. */
  static void emphasize(float[] z, float[] weights, int n, int chunks, int length, int hidden) {
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
      float rescale = after == 0 ? 1f : (float) (before / after);
      for (int t = 0; t < n; t++) {
        int from = (t * rows + c * length) * hidden;
        for (int j = from, end = from + length * hidden; j < end; j++) {
          z[j] *= rescale;
        }
      }
    }
  }
}
