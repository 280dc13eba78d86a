package org.sdj.tokenizer;

import java.util.Arrays;

/** Collects the ids of one text up to a capacity (the room between BOS and EOS), noting whether more were offered. */
final class TokenBuffer {
  private final int capacity;
  private int[] ids;
  private int count;
  private boolean truncated;

  TokenBuffer(int capacity) {
    this.capacity = capacity;
    ids = new int[Math.min(capacity, 128)];
  }

  /** Adds one id; returns false once the buffer is full, so that callers stop producing tokens. */
  boolean add(int id) {
    if (count == capacity) {
      truncated = true;
      return false;
    }
    if (count == ids.length) {
      ids = Arrays.copyOf(ids, (int) Math.min(capacity, 2L * ids.length));
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

  /** The collected ids. */
  int[] ids() {
    return Arrays.copyOf(ids, count);
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
