package org.sdj.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE over vocabulary ids: a word's UTF-8 bytes become byte symbols (the last one carrying the end-of-word
 * mark {@code </w>}), then the adjacent pair with the lowest merge rank is merged everywhere, left to right, until no
 * pair has a rank. Thread-safe; encoded words are cached because prompts repeat the same few words.
 */
final class BytePairEncoder {
  /** Bounds the cache's memory for servers that see unbounded distinct words; past it, words are encoded anew. */
  private static final int CACHE_LIMIT = 65_536;

  /** Words longer than this are rare (run-on text) and would pin their memory in the cache, so they are not cached. */
  private static final int LONGEST_CACHED_WORD = 64;

  /** One line of merges.txt: the pair {@code left right} becomes {@code result}; its rank is its line order. */
  record Merge(int left, int right, int result) {}

  private record RankedMerge(int rank, int result) {}

  private final int[] byteIds;
  private final int[] finalByteIds;
  private final Map<Long, RankedMerge> mergesByPair;
  private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

  /**
   * @param byteIds id of each byte's symbol inside a word, indexed by unsigned byte value
   * @param finalByteIds id of each byte's symbol with {@code </w>}, for the last byte of a word
   * @param mergesByRank the merges, best (lowest rank) first
   */
  BytePairEncoder(int[] byteIds, int[] finalByteIds, List<Merge> mergesByRank) {
    this.byteIds = byteIds.clone();
    this.finalByteIds = finalByteIds.clone();
    this.mergesByPair = HashMap.newHashMap(mergesByRank.size());
    for (int rank = 0; rank < mergesByRank.size(); rank++) {
      Merge merge = mergesByRank.get(rank);
      mergesByPair.put(pairKey(merge.left(), merge.right()), new RankedMerge(rank, merge.result()));
    }
  }

  /** The ids of one non-empty pre-tokenized word. The returned array is shared: callers must not modify it. */
  int[] encode(String word) {
    int[] cached = cache.get(word);
    if (cached != null) {
      return cached;
    }
    int[] ids = merge(initialSymbols(word));
    if (word.length() <= LONGEST_CACHED_WORD && cache.size() < CACHE_LIMIT) {
      cache.putIfAbsent(word, ids);
    }
    return ids;
  }

  private int[] initialSymbols(String word) {
    byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
    int[] symbols = new int[bytes.length];
    int last = bytes.length - 1;
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xFF;
      symbols[i] = i == last ? finalByteIds[b] : byteIds[b];
    }
    return symbols;
  }

  private int[] merge(int[] word) {
    int length = word.length;
    while (length > 1) {
      RankedMerge best = null;
      int bestLeft = 0;
      int bestRight = 0;
      for (int i = 0; i + 1 < length; i++) {
        RankedMerge candidate = mergesByPair.get(pairKey(word[i], word[i + 1]));
        if (candidate != null && (best == null || candidate.rank() < best.rank())) {
          best = candidate;
          bestLeft = word[i];
          bestRight = word[i + 1];
        }
      }
      if (best == null) {
        break;
      }
      int written = 0;
      for (int i = 0; i < length; ) {
        if (i + 1 < length && word[i] == bestLeft && word[i + 1] == bestRight) {
          word[written++] = best.result();
          i += 2;
        } else {
          word[written++] = word[i++];
        }
      }
      length = written;
    }
    return Arrays.copyOf(word, length);
  }

  private static long pairKey(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFF_FFFFL);
  }
}
