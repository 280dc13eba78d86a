package org.sdj.upscale;

import java.util.function.UnaryOperator;

/**
 * AUTOMATIC1111's tiling of a picture's work ({@code images.split_grid} and {@code combine_grid}: its upscalers' tiles,
 * and the SD upscale script's), in its integer arithmetic: the picture is cut into tiles (black past its edges), each
 * made over (enlarged, or repainted) on its own, and the results laid back in rows, each tile's first overlap columns
 * blended over its left neighbor and each row's first overlap rows over the row above, with a linear ramp of mask
 * bytes {@code 255 i / overlap} (Pillow's masked paste).
 */
public final class UpscaleGrid {
  private UpscaleGrid() {}

  /**
   * {@code pixels} ({@code 0xRRGGBB}, {@code width x height}) made over tile by tile, the tiles in rows from the top,
   * each row from the left (A1111's order).
   *
   * @param tileWidth the tiles' width, and {@code tileHeight} their height, in pixels
   * @param overlap the least overlap of neighboring tiles, below both sides
   * @param each one tile ({@code tileWidth x tileHeight} pixels) to one {@code scale} times its sides
   * @return {@code width * scale x height * scale} pixels
   */
  public static int[] apply(int[] pixels, int width, int height, int tileWidth, int tileHeight, int overlap,
      int scale, UnaryOperator<int[]> each) {
    if (tileWidth < 1 || tileHeight < 1 || overlap < 0 || overlap >= Math.min(tileWidth, tileHeight) || scale < 1) {
      throw new IllegalArgumentException("tiles of " + tileWidth + "x" + tileHeight + " overlapping by " + overlap
          + " (scale " + scale + "): the overlap must be from 0 to under the tiles' sides");
    }
    int[] xs = starts(width, tileWidth, overlap);
    int[] ys = starts(height, tileHeight, overlap);
    int bigWidth = width * scale;
    int bigTileWidth = tileWidth * scale;
    int bigTileHeight = tileHeight * scale;
    int bigOverlap = overlap * scale;
    int[] ramp = ramp(bigOverlap);
    int bigHeight = height * scale;
    int[] out = new int[bigWidth * bigHeight];
    for (int y : ys) {
      int[] row = new int[bigWidth * bigTileHeight];
      for (int x : xs) {
        int[] big = each.apply(crop(pixels, width, height, x, y, tileWidth, tileHeight));
        int bx = x * scale;
        if (x == 0) {
          pasteColumns(row, bigWidth, big, bigTileWidth, bigTileHeight, 0, bigTileWidth, 0, null);
        } else {
          pasteColumns(row, bigWidth, big, bigTileWidth, bigTileHeight, 0, bigOverlap, bx, ramp);
          pasteColumns(row, bigWidth, big, bigTileWidth, bigTileHeight, bigOverlap, bigTileWidth - bigOverlap,
              bx + bigOverlap, null);
        }
      }
      int by = y * scale;
      if (y == 0) {
        pasteRows(out, bigHeight, row, bigWidth, 0, bigTileHeight, 0, null);
      } else {
        pasteRows(out, bigHeight, row, bigWidth, 0, bigOverlap, by, ramp);
        pasteRows(out, bigHeight, row, bigWidth, bigOverlap, bigTileHeight - bigOverlap, by + bigOverlap, null);
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

  /** Pillow's {@code crop} of a {@code tw x th} tile at {@code (x, y)}, black where it leaves the picture. */
  private static int[] crop(int[] pixels, int width, int height, int x, int y, int tw, int th) {
    int[] out = new int[tw * th];
    for (int r = 0; r < th; r++) {
      int sy = y + r;
      if (sy < 0 || sy >= height) {
        continue;
      }
      for (int c = 0; c < tw; c++) {
        int sx = x + c;
        if (sx >= 0 && sx < width) {
          out[r * tw + c] = pixels[sy * width + sx];
        }
      }
    }
    return out;
  }

  /**
   * Pillow's {@code paste} of columns {@code from .. from + count} of a {@code tileWidth x tileHeight} tile into a row
   * of tiles ({@code rowWidth} wide, as tall as the tile) at column {@code at}, clipped to the row; each column
   * {@code i} blended by the mask byte {@code ramp[i]} where there is a ramp.
   */
  private static void pasteColumns(int[] row, int rowWidth, int[] tile, int tileWidth, int tileHeight, int from,
      int count, int at, int[] ramp) {
    for (int y = 0; y < tileHeight; y++) {
      for (int i = 0; i < count; i++) {
        int x = at + i;
        if (x >= 0 && x < rowWidth) {
          int value = tile[y * tileWidth + from + i];
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
