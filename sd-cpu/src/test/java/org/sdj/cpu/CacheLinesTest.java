package org.sdj.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link CacheLines} answers an index within one cache line, and, where it can see addresses (the tests run with
 * native access, as the launcher does), different answers for arrays that cannot all start on the same boundary.
 */
class CacheLinesTest {
  @Test
  void indexWithinOneLine() {
    for (int n : new int[] {0, 1, 3, 17, 1000, 1 << 20}) {
      int i = CacheLines.firstAligned(new float[n + CacheLines.FLOATS]);
      assertTrue(i >= 0 && i < CacheLines.FLOATS, "index " + i + " for an array of " + n);
    }
  }

  @Test
  void seesAddressesWithNativeAccess() {
    if (!CacheLines.known()) {
      return;
    }
    // 24-byte arrays (16 of header, 2 floats) are allocated 24 bytes apart, so their data cannot all share one
    // offset within a 64-byte line.
    float[][] arrays = new float[64][];
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < arrays.length; i++) {
      arrays[i] = new float[2];
    }
    for (float[] a : arrays) {
      seen.add(CacheLines.firstAligned(a));
    }
    assertTrue(seen.size() > 1, "every array had its first aligned element at " + seen);
  }
}
