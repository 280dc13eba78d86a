package org.sdj.tokenizer;

import java.util.Arrays;

/** Collects the ids of one text up to the room left between BOS and EOS, and notes whether more were offered. */
final class TokenBuffer {
  private final int[] ids;
  private int count;
  private boolean truncated;

  TokenBuffer(int capacity) {
    ids = new int[capacity];
  }

  /** Adds one id; returns false once the buffer is full, so that callers stop producing tokens. */
  boolean add(int id) {
    if (count == ids.length) {
      truncated = true;
      return false;
    }
    ids[count++] = id;
    return true;
  }

  boolean addAll(int[] more) {
    for (int id : more) {
      if (!add(id)) {
        return false;
      }
    }
    return true;
  }

  /** BOS, the collected ids, EOS, then padding up to {@code length}. */
  TokenizedText finish(int bosId, int eosId, int padId, int length) {
    int[] sequence = new int[length];
    sequence[0] = bosId;
    System.arraycopy(ids, 0, sequence, 1, count);
    sequence[count + 1] = eosId;
    Arrays.fill(sequence, count + 2, length, padId);
    return new TokenizedText(sequence, count + 2, truncated);
  }
}
