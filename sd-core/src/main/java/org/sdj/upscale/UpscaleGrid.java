package org.sdj.upscale;

import java.util.function.UnaryOperator;

/**
 * AUTOMATIC1111's tiling of an upscaler's work ({@code images.split_grid} and {@code combine_grid}), in its integer
 * arithmetic: the picture is cut into square tiles (black past its edges), each enlarged on its own, and the enlarged
 * tiles laid back in rows, each tile's first overlap columns blended over its left neighbor and each row's first
 * overlap rows over the row above, with a linear ramp of mask bytes {@code 255 i / overlap} (Pillow's masked paste).
 */
final class UpscaleGrid {
  private UpscaleGrid() {}

  /**
   * {@code pixels} ({@code 0xRRGGBB}, {@code width x height}) enlarged tile by tile.
   *
   * @param enlarge one tile ({@code tile x tile} pixels) to {@code scale} times its side
   * @return {@code width * scale x height * scale} pixels
   */
  static int[] enlarge(int[] pixels, int width, int height, UpscaleTiles tiles, int scale,
      UnaryOperator<int[]> enlarge) {
    int tile = tiles.size();
    int overlap = tiles.overlap();
    int[] xs = starts(width, tile, overlap);
    int[] ys = starts(height, tile, overlap);
    int bigWidth = width * scale;
    int bigTile = tile * scale;
    int bigOverlap = overlap * scale;
    int[] ramp = ramp(bigOverlap);
    int bigHeight = height * scale;
    int[] out = new int[bigWidth * bigHeight];
    for (int y : ys) {
      int[] row = new int[bigWidth * bigTile];
      for (int x : xs) {
        int[] big = enlarge.apply(crop(pixels, width, height, x, y, tile));
        int bx = x * scale;
        if (x == 0) {
          pasteColumns(row, bigWidth, big, bigTile, 0, bigTile, 0, null);
        } else {
          pasteColumns(row, bigWidth, big, bigTile, 0, bigOverlap, bx, ramp);
          pasteColumns(row, bigWidth, big, bigTile, bigOverlap, bigTile - bigOverlap, bx + bigOverlap, null);
        }
      }
      int by = y * scale;
      if (y == 0) {
        pasteRows(out, bigHeight, row, bigWidth, 0, bigTile, 0, null);
      } else {
        pasteRows(out, bigHeight, row, bigWidth, 0, bigOverlap, by, ramp);
        pasteRows(out, bigHeight, row, bigWidth, bigOverlap, bigTile - bigOverlap, by + bigOverlap, null);
      }
    }
    return out;
  }

  /** Where {@code split_grid} puts the tiles along a side of {@code length}. */
  static int[] starts(int length, int tile, int overlap) {
    // A1111's count, at least one tile (it makes none for a side no longer than the overlap).
    int count = Math.max(1, (int) Math.ceil((double) (length - overlap) / (tile - overlap)));
    double step = count > 1 ? (double) (length - tile) / (count - 1) : 0;
    int[] starts = new int[count];
    for (int i = 0; i < count; i++) {
      int at = (int) (i * step);
      starts[i] = at + tile >= length ? length - tile : at;
    }
    return starts;
  }

  /** The mask bytes of A1111's blend: {@code 255 i / overlap}, truncated. */
  private static int[] ramp(int overlap) {
    int[] ramp = new int[overlap];
    for (int i = 0; i < overlap; i++) {
      ramp[i] = i * 255 / overlap;
    }
    return ramp;
  }

  /** Pillow's {@code crop} of a {@code tile x tile} square at {@code (x, y)}, black where it leaves the picture. */
  private static int[] crop(int[] pixels, int width, int height, int x, int y, int tile) {
    int[] out = new int[tile * tile];
    for (int r = 0; r < tile; r++) {
      int sy = y + r;
      if (sy < 0 || sy >= height) {
        continue;
      }
      for (int c = 0; c < tile; c++) {
        int sx = x + c;
        if (sx >= 0 && sx < width) {
          out[r * tile + c] = pixels[sy * width + sx];
        }
      }
    }
    return out;
  }

  /**
   * Pillow's {@code paste} of columns {@code from .. from + count} of a square {@code tile} into a row of tiles
   * ({@code rowWidth} wide, as tall as the tile) at column {@code at}, clipped to the row; each column {@code i}
   * blended by the mask byte {@code ramp[i]} where there is a ramp.
   */
  private static void pasteColumns(int[] row, int rowWidth, int[] tile, int side, int from, int count, int at,
      int[] ramp) {
    for (int y = 0; y < side; y++) {
      for (int i = 0; i < count; i++) {
        int x = at + i;
        if (x >= 0 && x < rowWidth) {
          int value = tile[y * side + from + i];
          row[y * rowWidth + x] = ramp == null ? value : blend(row[y * rowWidth + x], value, ramp[i]);
        }
      }
    }
  }

  /**
   * Pillow's {@code paste} of rows {@code from .. from + count} of a row of tiles into the picture (as wide, {@code
   * height} tall) at row {@code at}, clipped to the picture; each row {@code i} blended by {@code ramp[i]} where there
   * is a ramp.
   */
  private static void pasteRows(int[] picture, int height, int[] row, int width, int from, int count, int at,
      int[] ramp) {
    for (int i = 0; i < count; i++) {
      int y = at + i;
      if (y < 0 || y >= height) {
        continue;
      }
      for (int x = 0; x < width; x++) {
        int value = row[(from + i) * width + x];
        picture[y * width + x] = ramp == null ? value : blend(picture[y * width + x], value, ramp[i]);
      }
    }
  }

  /** Pillow's masked paste of one pixel: each channel {@code (under (255 - m) + over m) / 255}, rounded. */
  private static int blend(int under, int over, int mask) {
    int out = 0;
    for (int shift = 16; shift >= 0; shift -= 8) {
      int t = (under >>> shift & 0xFF) * (255 - mask) + (over >>> shift & 0xFF) * mask + 128;
      out |= ((t >> 8) + t) >> 8 << shift;
    }
    return out;
  }
}
