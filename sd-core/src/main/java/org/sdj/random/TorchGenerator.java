package org.sdj.random;

/**
 * Reproduces {@code torch.Generator("cpu").manual_seed(seed)} followed by
 * {@code torch.randn(shape, generator=g, dtype=torch.float32)}, so that a seed gives the same initial latents as
 * diffusers on the CPU.
 *
 * <p>torch's CPU generator is MT19937 seeded with the low 32 bits of the seed. {@code randn} takes one of two paths:
 * draws of at least 16 values fill the tensor with 24-bit uniform floats and turn each block of 16 into normals with
 * Box-Muller in float (a partial last block is redrawn from fresh uniforms over the final 16 elements); smaller draws
 * take 53-bit uniform doubles in pairs and keep the second normal of each pair for the next scalar draw, even across
 * calls. Both are reproduced here; the vectorised path matches torch's within about 2e-6 (torch computes log, sin and
 * cos with float approximations), the scalar path matches exactly after rounding to float.
 *
 * <p>Not thread-safe: it carries the generator state from draw to draw, like torch's. Use one per request.
 */
public final class TorchGenerator implements NoiseGenerator {
  private static final int BLOCK = 16;
  private static final double TWO_PI = 2.0 * Math.PI;

  private final long seed;
  private final MersenneTwister engine;
  private boolean hasCachedNormal;
  private double cachedNormal;

  /**
   * Creates a generator in the state of {@code torch.Generator("cpu").manual_seed(seed)}.
   *
   * @param seed any value; torch reads it as an unsigned 64-bit number and seeds MT19937 with its low 32 bits
   */
  public TorchGenerator(long seed) {
    this.seed = seed;
    this.engine = new MersenneTwister((int) seed);
  }

  private TorchGenerator(TorchGenerator from) {
    this.seed = from.seed;
    this.engine = from.engine.copy();
    this.hasCachedNormal = from.hasCachedNormal;
    this.cachedNormal = from.cachedNormal;
  }

  @Override
  public TorchGenerator copy() {
    return new TorchGenerator(this);
  }

  /** Same as {@link #TorchGenerator(long)}. */
  public static TorchGenerator seeded(long seed) {
    return new TorchGenerator(seed);
  }

  @Override
  public long seed() {
    return seed;
  }

  /**
   * Draws {@code torch.randn(count)}.
   *
   * @param count number of values, at least 0
   * @return a new array of {@code count} unit-normal floats
   */
  @Override
  public float[] randn(int count) {
    NoiseGenerator.checkCount(count);
    float[] out = new float[count];
    if (count >= BLOCK) {
      fillBlocks(out);
    } else {
      for (int i = 0; i < count; i++) {
        out[i] = (float) nextScalarNormal();
      }
    }
    return out;
  }

  private void fillBlocks(float[] out) {
    int n = out.length;
    for (int i = 0; i < n; i++) {
      out[i] = nextUniformFloat();
    }
    for (int i = 0; i + BLOCK <= n; i += BLOCK) {
      boxMuller16(out, i);
    }
    if (n % BLOCK != 0) {
      // torch redraws the uniforms of the last 16 elements (overlapping the last full block) and transforms them.
      int start = n - BLOCK;
      for (int i = start; i < n; i++) {
        out[i] = nextUniformFloat();
      }
      boxMuller16(out, start);
    }
  }

  private static void boxMuller16(float[] data, int offset) {
    for (int j = 0; j < BLOCK / 2; j++) {
      float u1 = 1f - data[offset + j]; // [0, 1) -> (0, 1] so that log is finite
      float u2 = data[offset + j + BLOCK / 2];
      float radius = (float) Math.sqrt(-2.0 * Math.log(u1));
      float theta = (float) (TWO_PI * u2);
      data[offset + j] = (float) (radius * Math.cos(theta));
      data[offset + j + BLOCK / 2] = (float) (radius * Math.sin(theta));
    }
  }

  private double nextScalarNormal() {
    if (hasCachedNormal) {
      hasCachedNormal = false;
      return cachedNormal;
    }
    double u1 = nextUniformDouble();
    double u2 = nextUniformDouble();
    double r = Math.sqrt(-2.0 * Math.log1p(-u2));
    double theta = TWO_PI * u1;
    cachedNormal = r * Math.sin(theta);
    hasCachedNormal = true;
    return r * Math.cos(theta);
  }

  private float nextUniformFloat() {
    return (engine.next() & 0xFFFFFF) * 0x1p-24f;
  }

  private double nextUniformDouble() {
    long hi = engine.next() & 0xFFFFFFFFL;
    long lo = engine.next() & 0xFFFFFFFFL;
    long bits = (hi << 32) | lo;
    return (bits & ((1L << 53) - 1)) * 0x1p-53;
  }
}
