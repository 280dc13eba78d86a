package org.sdj.model.unet;

import java.util.Locale;
import java.util.Optional;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.image.GenerationInfo;

/**
 * FreeU (Si et al., 2023; diffusers' {@code enable_freeu}): in the UNet's first two up blocks, the lowest resolutions,
 * the backbone's features are strengthened and the skip connections' low frequencies weakened before the two are
 * joined, for more detail at no cost in steps. Stage 1 is the first up block (diffusers' {@code resolution_idx} 0),
 * stage 2 the second.
 *
 * @param b1 stage 1's backbone factor: the first half of the features' channels are multiplied by it
 * @param b2 stage 2's backbone factor
 * @param s1 stage 1's skip factor: the skip connection's lowest frequencies are multiplied by it
 * @param s2 stage 2's skip factor
 */
public record FreeU(double b1, double b2, double s1, double s2) {
  /** The FreeU authors' values for Stable Diffusion 1.x. */
  public static final FreeU SD1 = new FreeU(1.5, 1.6, 0.9, 0.2);
  /** The FreeU authors' values for Stable Diffusion 2.x. */
  public static final FreeU SD2 = new FreeU(1.4, 1.6, 0.9, 0.2);
  /** The FreeU authors' values for SDXL. */
  public static final FreeU SDXL = new FreeU(1.3, 1.4, 0.9, 0.2);

  /**
   * @throws IllegalArgumentException for a factor that is not a positive number (diffusers would switch FreeU off
   *     for a 0 without a word)
   */
  public FreeU {
    for (double f : new double[] {b1, b2, s1, s2}) {
      if (!(f > 0) || !Double.isFinite(f)) {
        throw new IllegalArgumentException("FreeU's factors must be positive numbers, got b1 " + b1 + ", b2 " + b2
            + ", s1 " + s1 + ", s2 " + s2);
      }
    }
  }

  /** The infotext key, sdj's own ({@code FreeU: "b1=1.5, b2=1.6, s1=0.9, s2=0.2"}). */
  public static final String INFOTEXT_KEY = "FreeU";

  /** The infotext value: {@code b1=1.5, b2=1.6, s1=0.9, s2=0.2}. */
  public String infotextValue() {
    return "b1=" + GenerationInfo.number(b1) + ", b2=" + GenerationInfo.number(b2) + ", s1="
        + GenerationInfo.number(s1) + ", s2=" + GenerationInfo.number(s2);
  }

  /**
   * The factors a value names: {@link #infotextValue()}'s form, the four numbers {@code b1,b2,s1,s2} in that order, or a
   * preset's name ({@code sd1}, {@code sd2}, {@code sdxl}); empty for anything else.
   */
  public static Optional<FreeU> named(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    switch (v) {
      case "sd1", "sd15", "sd1.5" -> {
        return Optional.of(SD1);
      }
      case "sd2", "sd21", "sd2.1" -> {
        return Optional.of(SD2);
      }
      case "sdxl" -> {
        return Optional.of(SDXL);
      }
      default -> { }
    }
    String[] parts = v.split(",");
    if (parts.length != 4) {
      return Optional.empty();
    }
    double[] f = new double[4];
    String[] keys = {"b1", "b2", "s1", "s2"};
    try {
      for (int i = 0; i < 4; i++) {
        String part = parts[i].strip();
        int eq = part.indexOf('=');
        if (eq >= 0 && !part.substring(0, eq).strip().equals(keys[i])) {
          return Optional.empty();
        }
        f[i] = Double.parseDouble(part.substring(eq + 1).strip());
      }
      return Optional.of(new FreeU(f[0], f[1], f[2], f[3]));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The stage of up block {@code index}: stage 1 for the first, stage 2 for the second, none for the others. */
  Optional<Stage> stage(int index) {
    return switch (index) {
      case 0 -> Optional.of(new Stage(b1, s1));
      case 1 -> Optional.of(new Stage(b2, s2));
      default -> Optional.empty();
    };
  }

  /** One stage's factors, and what they do to an up block's two inputs. */
  record Stage(double backbone, double skip) {
    /** {@code h [N, C, H, W]} with its first {@code C / 2} channels times the backbone factor. */
    Tensor backbone(Ops ops, Tensor h) {
      long half = h.dim(1) / 2;
      try (Tensor first = ops.narrow(h, 1, 0, half); Tensor rest = ops.narrow(h, 1, half, h.dim(1) - half);
          Tensor scaled = ops.scale(first, (float) backbone)) {
        return ops.concat(1, scaled, rest);
      }
    }

    /** {@code skip [N, C, H, W]} with its lowest frequencies times the skip factor ({@link FourierFilter}). */
    Tensor skip(Ops ops, Tensor skip) {
      return FourierFilter.apply(ops, skip, skip());
    }
  }
}
