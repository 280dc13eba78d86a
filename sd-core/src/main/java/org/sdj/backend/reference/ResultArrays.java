package org.sdj.backend.reference;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The result arrays of one {@link ReferenceOps} scope, handed out again once every tensor over them is closed. A
 * model closes its intermediates as it goes, so a forward pass asks again and again for arrays of the few lengths its
 * activations have; a fresh 10 MB Java array costs its zeroing plus the collector's work on a humongous object (about
 * 1.2 ms against 0.4 ms for filling a reused one), and an op that writes every element need not zero at all.
 *
 * <p>Only arrays that came from here are reused: a view ({@code reshape}) of a weight or of a host copy shares an
 * array this scope does not own. An array is reused once the last tensor sharing it is closed. Free arrays are held
 * softly: the collector takes them back before it would throw {@code OutOfMemoryError}, so that several scopes open
 * at once (concurrent generations) never run the heap out with arrays none of them uses. Not thread-safe, as the
 * scope is not.
 */
final class ResultArrays {
  /**
   * Whether reused arrays are poisoned with NaN before an op that promised to write every element gets them, and
   * arrays of every length are reused: on where assertions are (the tests, whose operands are small), so that an op
   * that leaves elements unwritten fails there instead of passing on a zeroed array.
   */
  private static final boolean POISON = ResultArrays.class.desiredAssertionStatus();
  /** Arrays shorter than this (64 KiB) come from the allocating thread's buffer at no cost worth saving. */
  private static final int MIN_LENGTH = POISON ? 0 : 1 << 14;

  private final long capacity;
  private final Map<Integer, ArrayDeque<SoftReference<float[]>>> free = new HashMap<>();
  /**
   * Arrays handed out and not yet free: how many open tensors hold each. Arrays compare by identity, and weak keys
   * let the collector have an array whose op failed before any tensor held it.
   */
  private final Map<float[], int[]> holders = new WeakHashMap<>();
  private long freeFloats;

  /** @param capacityFloats the most floats kept in free arrays; beyond it closed results go to the collector */
  ResultArrays(long capacityFloats) {
    this.capacity = capacityFloats;
  }

  /** Keeps at most an eighth of the heap in free arrays (a quarter slowed a run with a 1 GB heap: see RESULTS.md). */
  static ResultArrays forHeap() {
    return new ResultArrays(Runtime.getRuntime().maxMemory() / 8 / Float.BYTES);
  }

  /** An array of {@code n} floats: zeroed if {@code zeroed}, else holding anything. */
  float[] take(int n, boolean zeroed) {
    if (n < MIN_LENGTH) {
      return new float[n];
    }
    float[] a = reused(n);
    if (a == null) {
      a = new float[n];
    } else if (zeroed) {
      Arrays.fill(a, 0f);
    } else if (POISON) {
      Arrays.fill(a, Float.NaN);
    }
    holders.put(a, new int[1]);
    return a;
  }

  /** The most recently freed array of length {@code n} that the collector left, or {@code null}. */
  private float[] reused(int n) {
    ArrayDeque<SoftReference<float[]>> q = free.get(n);
    while (q != null && !q.isEmpty()) {
      freeFloats -= n;
      float[] a = q.pop().get();
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  /** A tensor now holds {@code a}. */
  void hold(float[] a) {
    int[] count = holders.get(a);
    if (count != null) {
      count[0]++;
    }
  }

  /** A tensor holding {@code a} was closed: once none does, the array is free for {@link #take}. */
  void release(float[] a) {
    int[] count = holders.get(a);
    if (count == null || --count[0] > 0) {
      return;
    }
    holders.remove(a);
    if (freeFloats + a.length <= capacity) {
      free.computeIfAbsent(a.length, len -> new ArrayDeque<>()).push(new SoftReference<>(a));
      freeFloats += a.length;
    }
  }

  /** Drops every array (the scope is closed). */
  void clear() {
    free.clear();
    holders.clear();
    freeFloats = 0;
  }
}
