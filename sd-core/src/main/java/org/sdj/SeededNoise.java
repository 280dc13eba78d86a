package org.sdj;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.sdj.image.GenerationInfo;
import org.sdj.random.NoiseGenerator;
import org.sdj.random.RandomSource;
import org.sdj.scheduler.NoiseSource;

/**
 * One generation's seeded draws, as its {@link NoiseOptions} say: for {@link Convention#DIFFUSERS} one
 * generator of the seed draws everything for the whole batch, in the order the pipeline asks; for
 * {@link Convention#A1111} picture {@code i} draws from its own generator of {@code seed + i} (A1111's
 * {@code ImageRNG}), each pass starting from fresh ones, and the VAE's posterior samples from a generator of their
 * own. Every draw of the batch is {@code [N, ...]}, row-major: the pictures' draws one after another.
 *
 * <p>Not thread-safe, as the generators it holds.
 */
final class SeededNoise {
  private final NoiseOptions options;
  private final long seed;
  private final int batch;
  private final Optional<Variation> variation;
  private List<NoiseGenerator> generators;
  private NoiseGenerator posterior;

  /**
   * @param seed the generation's seed (the first picture's, for A1111's seeding)
   * @param batch the pictures drawn for
   */
  SeededNoise(NoiseOptions options, long seed, int batch, Optional<Variation> variation) {
    this.options = options;
    this.seed = seed;
    this.batch = batch;
    this.variation = variation;
    this.generators = fresh(seed);
  }

  private SeededNoise(SeededNoise from) {
    this(from.options, from.seed, from.batch, from.variation);
    this.generators = from.generators.stream().map(NoiseGenerator::copy).toList();
  }

  private boolean perPicture() {
    return options.seeding() == Convention.A1111;
  }

  /** Generators of {@code first} (and, per picture, {@code first + 1}, ...). */
  private List<NoiseGenerator> fresh(long first) {
    RandomSource source = options.source();
    return perPicture() ? IntStream.range(0, batch).mapToObj(i -> source.generator(first + i)).toList()
        : List.of(source.generator(first));
  }

  /**
   * A pass's starting noise of {@code shape} ({@code [N, C, h, w]}), moved toward the variation seed's where the
   * request has one: the generator's next draw (diffusers), or the first draw of fresh generators (A1111, which draws
   * every pass's start anew). Afterwards, with an ENSD, the samplers draw from generators of the seed plus it.
   */
  float[] start(long[] shape) {
    restart();
    long[] from = resizedFrom(shape);
    float[] started;
    if (from == null) {
      started = varied(next(NoiseGenerator.count(shape)), shape);
    } else {
      // A1111 draws the other size's noise from a fresh generator of the seed, then the picture's own at its size.
      float[] small = varied(freshDraw(seed, from), from);
      started = centered(small, from, next(NoiseGenerator.count(shape)), shape);
    }
    afterStart();
    return started;
  }

  private float[] varied(float[] noise, long[] shape) {
    return variation.map(v -> v.blend(noise, freshDraw(v.seed(), shape), shape)).orElse(noise);
  }

  /** The latent shape of the seed resize's size, {@code [N, C, h0, w0]}; null where there is none or it is this one. */
  private long[] resizedFrom(long[] shape) {
    if (options.seedResizeFrom().isEmpty()) {
      return null;
    }
    GenerationInfo.Size size = options.seedResizeFrom().get();
    // A1111 divides by its latent factor, 8, as every SD VAE has it.
    long[] from = {shape[0], shape[1], size.height() / 8, size.width() / 8};
    return Arrays.equals(from, shape) ? null : from;
  }

  /**
   * {@code inner} ({@code [N, C, h0, w0]}) laid centered into {@code outer} ({@code [N, C, h, w]}) as A1111 lays the
   * resized seed's noise: offsets {@code floor((h - h0) / 2)}, cropped where {@code inner} is larger.
   */
  private static float[] centered(float[] inner, long[] innerShape, float[] outer, long[] outerShape) {
    int channels = (int) outerShape[1];
    int h0 = (int) innerShape[2];
    int w0 = (int) innerShape[3];
    int h = (int) outerShape[2];
    int w = (int) outerShape[3];
    int dy = Math.floorDiv(h - h0, 2);
    int dx = Math.floorDiv(w - w0, 2);
    int rows = dy >= 0 ? h0 : h0 + 2 * dy;
    int cols = dx >= 0 ? w0 : w0 + 2 * dx;
    int toY = Math.max(dy, 0);
    int toX = Math.max(dx, 0);
    int fromY = Math.max(-dy, 0);
    int fromX = Math.max(-dx, 0);
    for (int plane = 0; plane < outerShape[0] * channels; plane++) {
      for (int y = 0; y < rows; y++) {
        System.arraycopy(inner, (plane * h0 + fromY + y) * w0 + fromX, outer, (plane * h + toY + y) * w + toX, cols);
      }
    }
    return outer;
  }

  /** The pass starts from noise the request gave: nothing drawn, but the samplers' generators as after a draw. */
  void startGiven() {
    restart();
    afterStart();
  }

  /** A1111 draws every pass's start from fresh generators; diffusers' one generator draws on. */
  private void restart() {
    if (perPicture()) {
      generators = fresh(seed);
    }
  }

  private void afterStart() {
    if (options.etaNoiseSeedDelta() != 0) {
      generators = fresh(seed + options.etaNoiseSeedDelta());
    }
  }

  /** The first draw of {@code shape} from a fresh generator of {@code first} (per picture: of {@code first + i}). */
  private float[] freshDraw(long first, long[] shape) {
    return concat(fresh(first), NoiseGenerator.count(shape) / (perPicture() ? batch : 1));
  }

  /**
   * The batch's next {@code count} values: the samplers' noise ({@code [N, ...]}; per picture, {@code count / N}
   * from each picture's generator).
   */
  float[] next(int count) {
    if (count % generators.size() != 0) {
      throw new SdjException("a draw of " + count + " values does not split among " + generators.size()
          + " pictures");
    }
    return concat(generators, count / generators.size());
  }

  private static float[] concat(List<NoiseGenerator> from, int each) {
    if (from.size() == 1) {
      return from.getFirst().randn(each);
    }
    float[] out = new float[Math.multiplyExact(each, from.size())];
    for (int i = 0; i < from.size(); i++) {
      System.arraycopy(from.get(i).randn(each), 0, out, i * each, each);
    }
    return out;
  }

  /**
   * The noise of a VAE posterior sample ({@code count} values): the generator's next draw, as diffusers draws it; for
   * A1111's seeding a generator of its own, so that the pictures' generators draw only what A1111's do, seeded by the
   * seed's bitwise complement (not {@code seed}, whose first draw is the first picture's starting noise).
   */
  float[] posteriorSample(int count) {
    if (!perPicture()) {
      return next(count);
    }
    if (posterior == null) {
      posterior = options.source().generator(~seed);
    }
    return posterior.randn(count);
  }

  /** The samplers' noise as a {@link NoiseSource}: {@link #next}, with a look-ahead on a copy of the generators. */
  NoiseSource source() {
    return new NoiseSource() {
      @Override
      public float[] next(int count) {
        return SeededNoise.this.next(count);
      }

      @Override
      public Optional<NoiseSource> lookahead() {
        SeededNoise copy = new SeededNoise(SeededNoise.this);
        return Optional.of(copy::next);
      }
    };
  }
}
