package org.sdj.random;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * NumPy's {@code numpy.random.SeedSequence}: entropy (a non-negative integer) and a spawn key (non-negative integers)
 * hashed into a pool of 32-bit words, from which {@link #generateState} draws seeds. torchsde's Brownian trees derive
 * the seed of every node's noise this way, so sdj needs its exact words.
 */
public final class SeedSequence {
  private static final int INIT_A = 0x43b0d7e5;
  private static final int MULT_A = 0x931e8875;
  private static final int INIT_B = 0x8b51f9dd;
  private static final int MULT_B = 0x58f38ded;
  private static final int MIX_MULT_L = 0xca01f9dd;
  private static final int MIX_MULT_R = 0x4973f715;
  private static final BigInteger MASK32 = BigInteger.valueOf(0xFFFFFFFFL);

  private final int[] pool;

  /**
   * @param entropy NumPy's {@code entropy}, at least 0
   * @param spawnKey NumPy's {@code spawn_key}, each at least 0
   * @param poolSize NumPy's {@code pool_size} (4 by default there; torchsde's trees take 24)
   */
  public SeedSequence(BigInteger entropy, List<BigInteger> spawnKey, int poolSize) {
    if (poolSize < 1) {
      throw new IllegalArgumentException("pool size must be at least 1, got " + poolSize);
    }
    List<Integer> run = words(entropy);
    List<Integer> spawn = new ArrayList<>();
    spawnKey.forEach(k -> spawn.addAll(words(k)));
    if (!spawn.isEmpty()) {
      // NumPy pads the entropy with zeros to the pool size so that spawn keys cannot collide with longer entropy.
      while (run.size() < poolSize) {
        run.add(0);
      }
    }
    List<Integer> assembled = new ArrayList<>(run);
    assembled.addAll(spawn);
    pool = mixed(assembled, poolSize);
  }

  /** {@code n} words of state as NumPy's {@code generate_state(n)} gives them (uint32, here as non-negative longs). */
  public long[] generateState(int n) {
    long[] out = new long[n];
    int hash = INIT_B;
    for (int i = 0; i < n; i++) {
      int value = pool[i % pool.length];
      value ^= hash;
      hash *= MULT_B;
      value *= hash;
      value ^= value >>> 16;
      out[i] = Integer.toUnsignedLong(value);
    }
    return out;
  }

  /** NumPy's {@code _int_to_uint32_array}: little-endian 32-bit words, one 0 word for 0. */
  private static List<Integer> words(BigInteger value) {
    if (value.signum() < 0) {
      throw new IllegalArgumentException("SeedSequence takes non-negative integers, got " + value);
    }
    List<Integer> out = new ArrayList<>();
    if (value.signum() == 0) {
      out.add(0);
    }
    for (BigInteger v = value; v.signum() > 0; v = v.shiftRight(32)) {
      out.add(v.and(MASK32).intValue());
    }
    return out;
  }

  /** NumPy's {@code mix_entropy} into a pool of {@code size} words. */
  private static int[] mixed(List<Integer> entropy, int size) {
    int[] mixer = new int[size];
    int[] hash = {INIT_A};
    for (int i = 0; i < size; i++) {
      mixer[i] = hashmix(i < entropy.size() ? entropy.get(i) : 0, hash);
    }
    for (int src = 0; src < size; src++) {
      for (int dst = 0; dst < size; dst++) {
        if (src != dst) {
          mixer[dst] = mix(mixer[dst], hashmix(mixer[src], hash));
        }
      }
    }
    for (int src = size; src < entropy.size(); src++) {
      for (int dst = 0; dst < size; dst++) {
        mixer[dst] = mix(mixer[dst], hashmix(entropy.get(src), hash));
      }
    }
    return mixer;
  }

  private static int hashmix(int value, int[] hash) {
    value ^= hash[0];
    hash[0] *= MULT_A;
    value *= hash[0];
    value ^= value >>> 16;
    return value;
  }

  private static int mix(int x, int y) {
    int result = MIX_MULT_L * x - MIX_MULT_R * y;
    result ^= result >>> 16;
    return result;
  }
}
