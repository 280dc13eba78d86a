package org.sdj.scheduler;

import org.sdj.SdjException;

/**
 * Where stochastic schedulers (Euler Ancestral, DDPM, multi-step LCM, DDIM with eta &gt; 0) take their fresh noise:
 * unit-normal floats, one call per step for the whole latent. A {@code TorchGenerator} fits as {@code gen::randn},
 * which reproduces diffusers' noise for the same seed.
 */
@FunctionalInterface
public interface NoiseSource {
  /** For deterministic schedulers: fails if a scheduler asks it for noise. */
  NoiseSource NONE = count -> {
    throw new SdjException("this scheduler step needs random noise: pass a NoiseSource (for instance a "
        + "TorchGenerator's randn) to step()");
  };

  /**
   * @param count number of values, the latent's element count
   * @return {@code count} unit-normal floats
   */
  float[] next(int count);

  /**
   * {@link #next}, checked: fails clearly where the source returned null or the wrong count.
   *
   * @throws SdjException when the source did not return {@code count} values
   */
  default float[] draw(int count) {
    float[] noise = next(count);
    if (noise == null || noise.length != count) {
      throw new SdjException("NoiseSource returned " + (noise == null ? "null" : noise.length + " values")
          + " where " + count + " were asked for");
    }
    return noise;
  }
}
