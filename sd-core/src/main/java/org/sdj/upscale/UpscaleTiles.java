package org.sdj.upscale;

/**
 * How a picture is cut for an upscaling network, as AUTOMATIC1111 cuts it ({@code images.split_grid}, its "Tile size
 * for ESRGAN upscalers" and "Tile overlap" settings): square tiles of {@code size} pixels spread evenly over the
 * picture, neighbors sharing at least {@code overlap} pixels, which the reassembled picture blends linearly.
 *
 * @param size the tiles' side in pixels; 0: the whole picture at once
 * @param overlap the least overlap of neighboring tiles in pixels, below {@code size}
 */
public record UpscaleTiles(int size, int overlap) {
  /** A1111's defaults: 192-pixel tiles overlapping by 8. */
  public static final UpscaleTiles DEFAULT = new UpscaleTiles(192, 8);
  /** The whole picture at once (A1111's tile size 0). */
  public static final UpscaleTiles WHOLE = new UpscaleTiles(0, 0);

  public UpscaleTiles {
    if (size < 0 || overlap < 0 || size > 0 && overlap >= size) {
      throw new IllegalArgumentException("upscale tiles need a size of at least 0 (0: none) and an overlap from 0 to"
          + " under the size, got size " + size + " and overlap " + overlap);
    }
  }
}
