package org.sdj;

import java.util.Objects;

/**
 * AUTOMATIC1111's "SD upscale" img2img script: the init image enlarged {@code scale} times by {@code upscaler}, cut
 * into tiles of the request's size (default: the model's native size) overlapping by at least {@code overlap} pixels,
 * each tile repainted by img2img with the request's prompt and strength and the seed plus the tile's index (rows from
 * the top, each from the left), and the tiles laid back, blended across their overlaps as A1111's
 * {@code combine_grid} blends them. The result's image is the whole enlarged picture; its latents are each tile's,
 * stacked {@code [tiles, C, h, w]}; its parameters are the first tile's with this script's fields.
 *
 * @param scale how much larger, in (1, {@value #MAX_SCALE}] (A1111's "Scale Factor")
 * @param overlap the tiles' least overlap in pixels, at least 0 and under their sides (A1111's "Tile overlap")
 * @param upscaler {@value #LANCZOS} (A1111's Lanczos upscaler), {@value #NONE} (the picture as it is, as A1111's
 *     "None") or the name of an upscaling network loaded with the engine ({@link StableDiffusion.Builder#upscaler})
 */
public record SdUpscale(double scale, int overlap, String upscaler) {
  public static final String LANCZOS = "Lanczos";
  public static final String NONE = "None";
  public static final int DEFAULT_OVERLAP = 64;
  public static final int MAX_SCALE = 8;
  /** The infotext's fields, as A1111 names them; the factor is sdj's own (A1111 does not record it). */
  public static final String OVERLAP_KEY = "SD upscale overlap";
  public static final String UPSCALER_KEY = "SD upscale upscaler";
  public static final String SCALE_KEY = "SD upscale factor";

  public SdUpscale {
    Objects.requireNonNull(upscaler, "upscaler");
  }

  /** Enlarged {@code scale} times by Lanczos, tiles overlapping by {@value #DEFAULT_OVERLAP} (A1111's default). */
  public static SdUpscale of(double scale) {
    return new SdUpscale(scale, DEFAULT_OVERLAP, LANCZOS);
  }

  /** Why these values cannot run, if they cannot. */
  String problem() {
    if (!(scale > 1 && scale <= MAX_SCALE)) {
      return "SD upscale's factor must be in (1, " + MAX_SCALE + "], got " + scale;
    }
    if (overlap < 0) {
      return "SD upscale's tile overlap must be at least 0 pixels, got " + overlap;
    }
    return upscaler.isBlank() ? "SD upscale's upscaler has no name: give Lanczos, None or a loaded upscaler's" : "";
  }
}
