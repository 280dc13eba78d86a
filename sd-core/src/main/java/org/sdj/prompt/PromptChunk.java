package org.sdj.prompt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.sdj.tokenizer.ClipTokenizer;

/**
 * One text-encoder input of a prompt in AUTOMATIC1111's syntax: BOS, up to 75 tokens, EOS, padding, each id with the
 * weight of the text it came from (1 for BOS, EOS and padding).
 *
 * @param ids the tokenizer's length of ids ({@code [77]} for Stable Diffusion)
 * @param weights one weight per id
 * @param embeddings the embeddings whose vectors replace the input at their positions (whose ids are placeholders)
 */
public record PromptChunk(int[] ids, float[] weights, List<EmbeddingAt> embeddings) {
  /**
   * An embedding's vectors in a chunk, at input positions {@code position} to {@code position + count - 1}.
   *
   * @param position the index in {@link #ids()} of its first vector
   * @param embedding the embedding
   */
  public record EmbeddingAt(int position, Embedding embedding) {}

  /**
   * How far back (in tokens) a chunk that fills up looks for a comma to end at instead, carrying the words after it
   * into the next chunk: A1111's {@code comma_padding_backtrack} default.
   */
  static final int COMMA_BACKTRACK = 20;

  public PromptChunk {
    ids = ids.clone();
    weights = weights.clone();
    embeddings = List.copyOf(embeddings);
    if (ids.length != weights.length) {
      throw new IllegalArgumentException(ids.length + " ids but " + weights.length + " weights");
    }
  }

  @Override
  public int[] ids() {
    return ids.clone();
  }

  @Override
  public float[] weights() {
    return weights.clone();
  }

  /** The chunk of an empty prompt: what pads a shorter prompt's chunks to another's count. */
  public static PromptChunk empty(ClipTokenizer tokenizer) {
    return new Builder(tokenizer).finish();
  }

  /**
   * {@code prompt}'s chunks, at least one: its runs ({@link WeightedText#parse}) tokenized one by one, filled into
   * chunks of {@code maxLength - 2} tokens, a chunk ending early at a {@code BREAK} or, when it fills up, after a comma
   * among its last {@value #COMMA_BACKTRACK} tokens.
   */
  public static List<PromptChunk> of(String prompt, ClipTokenizer tokenizer) {
    return of(prompt, tokenizer, List.of());
  }

  /**
   * {@link #of(String, ClipTokenizer)}, with {@code embeddings} in place of their names: where a run's tokens spell an
   * embedding's name (as the tokenizer splits it, so in any letter case), its vectors take that many positions, all
   * in one chunk (the chunk ends early where they would not fit), as A1111 places them.
   */
  public static List<PromptChunk> of(String prompt, ClipTokenizer tokenizer, List<Embedding> embeddings) {
    return of(prompt, tokenizer, embeddings, Emphasis.ORIGINAL);
  }

  /**
   * {@link #of(String, ClipTokenizer, List)} as {@code emphasis} reads the prompt: with {@link Emphasis#NONE} its
   * whole text is one run of weight 1, brackets and {@code BREAK} included.
   */
  public static List<PromptChunk> of(String prompt, ClipTokenizer tokenizer, List<Embedding> embeddings,
      Emphasis emphasis) {
    List<Map.Entry<int[], Embedding>> names = new ArrayList<>();
    for (Embedding e : embeddings) {
      names.add(Map.entry(tokenizer.tokenIds(e.name()), e));
    }
    names.sort((a, b) -> b.getKey().length - a.getKey().length);   // the longest name that matches wins
    int[] comma = tokenizer.tokenIds(",");
    int commaId = comma.length == 1 ? comma[0] : -1;
    List<PromptChunk> chunks = new ArrayList<>();
    Builder chunk = new Builder(tokenizer);
    List<WeightedText> runs = emphasis.parses() ? WeightedText.parse(prompt) : List.of(new WeightedText(prompt, 1));
    for (WeightedText run : runs) {
      if (run.isBreak()) {
        chunks.add(chunk.finish());
        chunk = new Builder(tokenizer);
        continue;
      }
      int[] tokens = tokenizer.tokenIds(run.text());
      float weight = (float) run.weight();
      for (int at = 0; at < tokens.length; ) {
        int token = tokens[at];
        if (token == commaId) {
          chunk.lastComma = chunk.count;
        } else if (chunk.full() && chunk.lastComma >= 0 && chunk.count - chunk.lastComma <= COMMA_BACKTRACK) {
          Builder rest = chunk.splitAfter(chunk.lastComma);
          chunks.add(chunk.finish());
          chunk = rest;
        }
        if (chunk.full()) {
          chunks.add(chunk.finish());
          chunk = new Builder(tokenizer);
        }
        Map.Entry<int[], Embedding> named = embeddingAt(names, tokens, at);
        if (named == null) {
          chunk.add(token, weight);
          at++;
          continue;
        }
        Embedding e = named.getValue();
        if (e.count() > chunk.room()) {
          chunks.add(chunk.finish());
          chunk = new Builder(tokenizer);
        }
        chunk.addEmbedding(e, weight);
        at += named.getKey().length;
      }
    }
    if (chunk.count > 0 || chunks.isEmpty()) {
      chunks.add(chunk.finish());
    }
    return List.copyOf(chunks);
  }

  private static Map.Entry<int[], Embedding> embeddingAt(List<Map.Entry<int[], Embedding>> names, int[] tokens,
      int at) {
    for (Map.Entry<int[], Embedding> name : names) {
      int[] ids = name.getKey();
      if (ids.length > 0 && at + ids.length <= tokens.length
          && Arrays.equals(tokens, at, at + ids.length, ids, 0, ids.length)) {
        return name;
      }
    }
    return null;
  }

  /** A chunk being filled: its tokens without BOS and EOS. */
  private static final class Builder {
    private final ClipTokenizer tokenizer;
    private final int[] tokens;
    private final float[] weights;
    private final List<EmbeddingAt> embeddings = new ArrayList<>();
    private int count;
    private int lastComma = -1;

    Builder(ClipTokenizer tokenizer) {
      this.tokenizer = tokenizer;
      this.tokens = new int[tokenizer.maxLength() - 2];
      this.weights = new float[tokens.length];
    }

    boolean full() {
      return count == tokens.length;
    }

    void add(int token, float weight) {
      tokens[count] = token;
      weights[count++] = weight;
    }

    int room() {
      return tokens.length - count;
    }

    /** The embedding's vectors at the next positions, their ids placeholders (0), as A1111 writes them. */
    void addEmbedding(Embedding e, float weight) {
      if (e.count() > tokens.length) {
        throw new IllegalArgumentException("embedding " + e.name() + " has " + e.count() + " vectors; a chunk holds "
            + tokens.length);
      }
      embeddings.add(new EmbeddingAt(count, e));
      for (int i = 0; i < e.count(); i++) {
        add(0, weight);
      }
    }

    /** Moves the tokens after {@code comma} into a new chunk, which it returns; this one ends at the comma. */
    Builder splitAfter(int comma) {
      Builder rest = new Builder(tokenizer);
      for (int i = comma + 1; i < count; i++) {
        rest.add(tokens[i], weights[i]);
      }
      // An embedding never spans a comma, so each one moves whole or stays whole.
      embeddings.removeIf(at -> {
        if (at.position() > comma) {
          rest.embeddings.add(new EmbeddingAt(at.position() - comma - 1, at.embedding()));
          return true;
        }
        return false;
      });
      count = comma + 1;
      return rest;
    }

    /**
     * BOS, the tokens, EOS up to the end; then, as A1111 does for tokenizers whose padding is not EOS (SD 2.x's),
     * the padding id after the first EOS.
     */
    PromptChunk finish() {
      int length = tokenizer.maxLength();
      int[] ids = new int[length];
      float[] w = new float[length];
      Arrays.fill(ids, tokenizer.eosId());
      Arrays.fill(w, 1f);
      ids[0] = tokenizer.bosId();
      System.arraycopy(tokens, 0, ids, 1, count);
      System.arraycopy(weights, 0, w, 1, count);
      int firstEos = 1;
      while (ids[firstEos] != tokenizer.eosId()) {
        firstEos++;
      }
      Arrays.fill(ids, firstEos + 1, length, tokenizer.padId());
      return new PromptChunk(ids, w, embeddings.stream().map(e -> new EmbeddingAt(e.position() + 1, e.embedding()))
          .toList());
    }
  }
}
