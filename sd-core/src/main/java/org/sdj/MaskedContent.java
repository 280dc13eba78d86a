package org.sdj;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.sdj.pipeline.LatentMask;

/**
 * What inpainting starts from under the mask, AUTOMATIC1111's "Masked content": the picture as it is (diffusers'
 * inpainting), or filled first. It matters below strength 1, where the loop starts from the picture's latents noised
 * part way; at strength 1 the start is noise either way.
 */
public enum MaskedContent {
  /** The masked area painted with the colors around it before it is encoded (A1111's {@code masking.fill}). */
  FILL("fill"),
  /** The picture as it is (the default, as in diffusers and A1111's interface). */
  ORIGINAL("original"),
  /**
   * Filled as {@link #FILL}, then the picture's latents replaced under the mask by the starting noise (A1111's latent
   * noise, which draws it from the same seed).
   */
  LATENT_NOISE("latent noise"),
  /** Filled as {@link #FILL}, then the picture's latents set to zero under the mask (A1111's latent nothing). */
  LATENT_NOTHING("latent nothing");

  /** The infotext key, as AUTOMATIC1111 writes it ({@code Masked content: latent noise}). */
  public static final String INFOTEXT_KEY = "Masked content";

  private final String a1111Name;

  MaskedContent(String a1111Name) {
    this.a1111Name = a1111Name;
  }

  /** A1111's name: {@code fill}, {@code original}, {@code latent noise} or {@code latent nothing}. */
  public String a1111Name() {
    return a1111Name;
  }

  /** Whether the picture is filled under the mask before it is encoded (all but {@link #ORIGINAL}, as in A1111). */
  public boolean fillsPicture() {
    return this != ORIGINAL;
  }

  /**
   * The image's latents the loop starts from and blends back outside the mask: under the latent mask the starting
   * noise ({@link #LATENT_NOISE}) or zeros ({@link #LATENT_NOTHING}), in proportion to the mask; {@code imageLatents}
   * itself for the other contents.
   *
   * @param imageLatents {@code [batch, C, h, w]} flattened
   * @param noise the starting noise, of the same shape
   * @param latentMask {@code [batch, 1, h, w]} flattened, 1 where the loop repaints
   * @param shape {@code [batch, C, h, w]}
   */
  float[] startLatents(float[] imageLatents, float[] noise, float[] latentMask, long[] shape) {
    if (this != LATENT_NOISE && this != LATENT_NOTHING) {
      return imageLatents;
    }
    return LatentMask.blend(imageLatents, this == LATENT_NOISE ? noise : new float[noise.length], latentMask, shape);
  }

  /** The content A1111's name or this enum's names ({@code latent-noise}, {@code LATENT_NOISE}) call for, any case. */
  public static Optional<MaskedContent> named(String name) {
    String key = name.strip().toLowerCase(Locale.ROOT).replace('-', ' ').replace('_', ' ');
    return Arrays.stream(values()).filter(c -> c.a1111Name.equals(key)).findFirst();
  }
}
