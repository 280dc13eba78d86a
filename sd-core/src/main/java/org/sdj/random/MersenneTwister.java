package org.sdj.random;

/** MT19937 with the classic 32-bit seeding ({@code init_genrand}), the engine behind torch's CPU generator. */
final class MersenneTwister {
  private static final int N = 624;
  private static final int M = 397;
  private static final int MATRIX_A = 0x9908b0df;
  private static final int UPPER_MASK = 0x80000000;
  private static final int LOWER_MASK = 0x7fffffff;

  private final int[] state = new int[N];
  private int index;

  MersenneTwister(int seed) {
    state[0] = seed;
    for (int i = 1; i < N; i++) {
      int prev = state[i - 1];
      state[i] = 1812433253 * (prev ^ (prev >>> 30)) + i;
    }
    index = N;
  }

  /** An engine in this one's state, which then goes its own way. */
  MersenneTwister copy() {
    MersenneTwister copy = new MersenneTwister(0);
    System.arraycopy(state, 0, copy.state, 0, N);
    copy.index = index;
    return copy;
  }

  /** The next 32 random bits (read them as unsigned). */
  int next() {
    if (index >= N) {
      twist();
    }
    int y = state[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y;
  }

  private void twist() {
    for (int i = 0; i < N; i++) {
      int y = (state[i] & UPPER_MASK) | (state[(i + 1) % N] & LOWER_MASK);
      int mag = (y & 1) != 0 ? MATRIX_A : 0;
      state[i] = state[(i + M) % N] ^ (y >>> 1) ^ mag;
    }
    index = 0;
  }
}
