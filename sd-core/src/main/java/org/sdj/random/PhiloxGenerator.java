package org.sdj.random;

/**
 * Reproduces {@code torch.randn(shape, device="cuda", generator=torch.Generator("cuda").manual_seed(seed))} on an
 * NVIDIA GPU, without one: the noise AUTOMATIC1111 draws with its default random source ("GPU") on NVIDIA cards and
 * with its "NV" source anywhere, and stable-diffusion.cpp with {@code --rng cuda}.
 *
 * <p>torch's CUDA generator is Philox 4x32 with 10 rounds, keyed by the 64-bit seed. Each {@code randn} call starts
 * at the generator's offset, and element {@code i} of the call takes the counter {@code (offset, 0, i, 0)}, turning
 * the block's first two words into one normal by Box-Muller's sine branch; the call then advances the offset by one.
 * This is what torch's kernel does while the call has no more elements than the card runs threads at once (each
 * thread's first draw serves one element): about 2048 per streaming multiprocessor, so any SD latent of a picture
 * on a current card. The Box-Muller is A1111's: in double precision from curand's float constants, rounded to float.
 *
 * <p>Not thread-safe: it carries its offset from draw to draw. Use one per request.
 */
public final class PhiloxGenerator implements NoiseGenerator {
  private static final long M0 = 0xD2511F53L;
  private static final long M1 = 0xCD9E8D57L;
  private static final int W0 = 0x9E3779B9;
  private static final int W1 = 0xBB67AE85;
  private static final int ROUNDS = 10;
  // curand's CURAND_2POW32_INV and CURAND_2POW32_INV_2PI, float constants.
  private static final double TWO_POW32_INV = (float) 2.3283064e-10;
  private static final double TWO_POW32_INV_2PI = (float) (2.3283064e-10 * 6.2831855);

  private final long seed;
  private long offset;

  /**
   * A generator in the state of {@code torch.Generator("cuda").manual_seed(seed)}.
   *
   * @param seed any value, read as an unsigned 64-bit key
   */
  public PhiloxGenerator(long seed) {
    this.seed = seed;
  }

  private PhiloxGenerator(long seed, long offset) {
    this.seed = seed;
    this.offset = offset;
  }

  @Override
  public float[] randn(int count) {
    NoiseGenerator.checkCount(count);
    float[] out = new float[count];
    int keyLo = (int) seed;
    int keyHi = (int) (seed >>> 32);
    int call = (int) offset;
    for (int i = 0; i < count; i++) {
      out[i] = normal(call, i, keyLo, keyHi);
    }
    offset++;
    return out;
  }

  /** The normal of counter {@code (c0, 0, c2, 0)} under the key: Philox's first two output words, Box-Muller'd. */
  private static float normal(int c0, int c2, int k0, int k1) {
    int c1 = 0;
    int c3 = 0;
    for (int round = 0; round < ROUNDS; round++) {
      long p0 = (c0 & 0xFFFFFFFFL) * M0;
      long p1 = (c2 & 0xFFFFFFFFL) * M1;
      int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
      int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
      c1 = (int) p1;
      c3 = (int) p0;
      c0 = n0;
      c2 = n2;
      k0 += W0;
      k1 += W1;
    }
    double u = (c0 & 0xFFFFFFFFL) * TWO_POW32_INV + TWO_POW32_INV / 2;
    double v = (c1 & 0xFFFFFFFFL) * TWO_POW32_INV_2PI + TWO_POW32_INV_2PI / 2;
    return (float) (Math.sqrt(-2.0 * Math.log(u)) * Math.sin(v));
  }

  @Override
  public PhiloxGenerator copy() {
    return new PhiloxGenerator(seed, offset);
  }

  @Override
  public long seed() {
    return seed;
  }
}
