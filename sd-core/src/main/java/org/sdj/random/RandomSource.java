package org.sdj.random;

import java.util.Locale;
import java.util.Optional;

/**
 * Which of torch's generators a seed's noise is drawn as: AUTOMATIC1111's "Random number generator source" setting,
 * stable-diffusion.cpp's {@code --rng}, the device of diffusers' {@code torch.Generator(device)}.
 */
public enum RandomSource {
  /**
   * torch's CPU generator (MT19937): diffusers' {@code torch.Generator("cpu")}, which its docs advise for
   * reproducible results, and A1111's "CPU" source ({@link TorchGenerator}).
   */
  CPU("CPU"),
  /**
   * torch's CUDA generator (Philox): diffusers' {@code torch.Generator("cuda")}, A1111's default "GPU" source on an
   * NVIDIA card and its "NV" source anywhere, stable-diffusion.cpp's {@code cuda} ({@link PhiloxGenerator}).
   */
  NV("NV");

  /** The infotext key, as AUTOMATIC1111 writes it ({@code RNG: NV}; it leaves out its default, "GPU"). */
  public static final String INFOTEXT_KEY = "RNG";

  private final String a1111Name;

  RandomSource(String a1111Name) {
    this.a1111Name = a1111Name;
  }

  /** A generator of this kind in the state {@code manual_seed(seed)} leaves it. */
  public NoiseGenerator generator(long seed) {
    return this == CPU ? new TorchGenerator(seed) : new PhiloxGenerator(seed);
  }

  /** The name AUTOMATIC1111's infotext gives it: {@code CPU}, {@code NV}. */
  public String a1111Name() {
    return a1111Name;
  }

  /**
   * The source an infotext value names, any case: {@code CPU}, {@code NV}, and {@code GPU} (A1111's default, which
   * draws as {@code NV} on the NVIDIA cards it mostly runs on); also sdj's own {@code cuda}. Empty for anything else.
   */
  public static Optional<RandomSource> named(String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "cpu" -> Optional.of(CPU);
      case "nv", "gpu", "cuda" -> Optional.of(NV);
      default -> Optional.empty();
    };
  }
}
