package org.sdj.scheduler;

import java.util.Optional;
import org.sdj.SdjException;
import org.sdj.random.TorchGenerator;

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
   * A source that gives the values this one would give from here on, drawing them without advancing this one (so that
   * a loop can draw its noise ahead and take from this one only what it uses); empty where there is none.
   */
  default Optional<NoiseSource> lookahead() {
    return Optional.empty();
  }

  /**
   * Whether a loop may draw this source's values ahead of the steps that use them (as the pipeline uploads a loop's
   * generator noise at once); false for noise computed for one step (a Brownian increment).
   */
  default boolean drawsAhead() {
    return true;
  }

  /** A source of these values, for one draw of their count, never drawn ahead: noise a scheduler computed itself. */
  static NoiseSource once(float[] values) {
    return new NoiseSource() {
      @Override
      public float[] next(int count) {
        return values;
      }

      @Override
      public boolean drawsAhead() {
        return false;
      }
    };
  }

  /** {@code generator}'s {@code randn}, with a {@link #lookahead} on a copy of its state. */
  static NoiseSource of(TorchGenerator generator) {
    return new NoiseSource() {
      @Override
      public float[] next(int count) {
        return generator.randn(count);
      }

      @Override
      public Optional<NoiseSource> lookahead() {
        TorchGenerator copy = generator.copy();
        return Optional.of(copy::randn);
      }
    };
  }

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
