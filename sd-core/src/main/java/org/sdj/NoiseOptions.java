package org.sdj;

import java.util.Objects;
import java.util.Optional;
import org.sdj.image.GenerationInfo;
import org.sdj.random.RandomSource;

/**
 * How a generation's seed becomes its noise: which of torch's generators draws it, whether the batch shares one (as
 * diffusers) or each picture has its own (as AUTOMATIC1111), and A1111's "Eta noise seed delta".
 *
 * @param source the generator's kind: torch's CPU one (diffusers' usual choice) or its CUDA one (A1111's default on
 *     NVIDIA cards)
 * @param seeding the order and owners of the draws: {@link Convention#DIFFUSERS} as diffusers with
 *     {@code generator=torch.Generator(device).manual_seed(seed)}, one generator of the seed drawing the whole batch's
 *     noise in the pipeline's order (a picture's VAE posterior sample, each pass's starting noise continuing the
 *     generator, the samplers' noise: picture {@code i} of a batch is not the picture of any seed alone);
 *     {@link Convention#A1111} as AUTOMATIC1111, picture {@code i} with seed {@code seed + i} (and variation seed
 *     {@code variation + i}) and its own generator, every pass (the hires fix's too) starting from its generator's
 *     first draw and the samplers' noise continuing it, so that each picture is its own seed's alone and its infotext
 *     carries that seed; the VAE's posterior samples, which A1111 draws from torch's global generator (in a state
 *     sdj cannot know), from a generator of their own
 * @param etaNoiseSeedDelta A1111's ENSD: where not 0, after each pass's starting noise the samplers' noise comes from
 *     fresh generators of the seed plus this (NovelAI's 31337); the starting noise stays the seed's
 * @param seedResizeFrom A1111's "Resize seed from width/height": each pass's starting noise is that of a picture of
 *     this size (a fresh generator's first draw at its latent size, varied there), laid centered into this picture's
 *     own draw (cropped where it is larger), so that a seed keeps its composition across sizes; empty: none
 */
public record NoiseOptions(RandomSource source, Convention seeding, long etaNoiseSeedDelta,
    Optional<GenerationInfo.Size> seedResizeFrom) {
  /** diffusers' draws: one CPU generator of the seed for everything, in diffusers' order. */
  public static final NoiseOptions DEFAULT = new NoiseOptions(RandomSource.CPU, Convention.DIFFUSERS, 0,
      Optional.empty());

  /** The infotext key of {@link #etaNoiseSeedDelta()}, as AUTOMATIC1111 writes it where it is not 0. */
  public static final String ENSD_KEY = "ENSD";
  /** The infotext key of {@link #seeding()}, sdj's own (A1111 seeds its way only), written for {@link Seeding#A1111}. */
  public static final String SEEDING_KEY = "Seeding";
  /** The infotext key of {@link #seedResizeFrom()}, as AUTOMATIC1111 writes it ({@code Seed resize from: 512x512}). */
  public static final String SEED_RESIZE_FROM_KEY = "Seed resize from";

  public NoiseOptions {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(seeding, "seeding");
    Objects.requireNonNull(seedResizeFrom, "seedResizeFrom");
  }

  /**
   * AUTOMATIC1111's draws from its default source on an NVIDIA card: per-picture generators of torch's CUDA kind, no
   * ENSD. With the same model and parameters, the noise of an A1111 picture.
   */
  public static NoiseOptions a1111() {
    return new NoiseOptions(RandomSource.NV, Convention.A1111, 0, Optional.empty());
  }

  public NoiseOptions withSource(RandomSource source) {
    return new NoiseOptions(source, seeding, etaNoiseSeedDelta, seedResizeFrom);
  }

  public NoiseOptions withSeeding(Convention seeding) {
    return new NoiseOptions(source, seeding, etaNoiseSeedDelta, seedResizeFrom);
  }

  public NoiseOptions withEtaNoiseSeedDelta(long delta) {
    return new NoiseOptions(source, seeding, delta, seedResizeFrom);
  }

  /** These options with A1111's "Resize seed from" {@code width x height} (pixels; see {@link #seedResizeFrom()}). */
  public NoiseOptions withSeedResizeFrom(int width, int height) {
    return new NoiseOptions(source, seeding, etaNoiseSeedDelta, Optional.of(new GenerationInfo.Size(width, height)));
  }

  /** These options without a seed resize. */
  public NoiseOptions withoutSeedResize() {
    return new NoiseOptions(source, seeding, etaNoiseSeedDelta, Optional.empty());
  }
}
