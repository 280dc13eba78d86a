package org.sdj.pipeline;

/**
 * diffusers' VAE tiling ({@code AutoencoderKL.enable_tiling()}): an input larger than the VAE's tile is cut into
 * tiles that overlap by a quarter, each tile goes through the encoder or the decoder alone, and the outputs are
 * blended where they overlap, then cropped and joined. The memory a pass needs then follows the tile, not the picture.
 * The blend is diffusers' own: linear ramps over a quarter of an output tile, the tile above first, then the tile to
 * the left, each tile blended in place as the grid is walked row by row (so a tile blends with its neighbours'
 * blended values), and each tile cropped to three quarters before the join.
 */
final class VaeTiles {
  /** diffusers' {@code tile_overlap_factor}. */
  static final double OVERLAP = 0.25;

  /** One pass over a tile: {@code [N, C, h, w]} flattened to {@code [N, C', h * scale, w * scale]} flattened. */
  @FunctionalInterface
  interface Pass {
    float[] apply(float[] tile, long[] shape);
  }

  private final int tile;
  private final int outTile;

  /**
   * @param tile the tile's side in the input (decoding: {@code sample_size / f} latents; encoding: {@code sample_size}
   *     pixels)
   * @param outTile the same tile's side in the output ({@code tile * f}, or {@code tile / f})
   */
  VaeTiles(int tile, int outTile) {
    if (tile < 1 || outTile < 1) {
      throw new IllegalArgumentException("tile sides must be positive, got " + tile + " and " + outTile);
    }
    this.tile = tile;
    this.outTile = outTile;
  }

  /** Whether an input of {@code height x width} is cut into tiles (diffusers: when either side exceeds a tile). */
  boolean tiles(long height, long width) {
    return height > tile || width > tile;
  }

  /**
   * Runs {@code pass} tile by tile over {@code input} and joins the blended outputs.
   *
   * @param input {@code [N, C, H, W]} flattened
   * @param shape its shape
   * @param outChannels {@code C'}, the pass's output channels
   * @return {@code [N, C', H * scale, W * scale]} flattened
   */
  float[] apply(float[] input, long[] shape, int outChannels, Pass pass) {
    int n = Math.toIntExact(shape[0]);
    int c = Math.toIntExact(shape[1]);
    int height = Math.toIntExact(shape[2]);
    int width = Math.toIntExact(shape[3]);
    int stride = (int) (tile * (1 - OVERLAP));
    int blend = (int) (outTile * OVERLAP);
    int limit = outTile - blend;
    int rows = Math.ceilDiv(height, stride);
    int cols = Math.ceilDiv(width, stride);
    Block[][] out = new Block[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        int h = Math.min(tile, height - i * stride);
        int w = Math.min(tile, width - j * stride);
        long[] tileShape = {n, c, h, w};
        float[] result = pass.apply(crop(input, n * c, height, width, i * stride, j * stride, h, w), tileShape);
        out[i][j] = new Block(result, n * outChannels, scaled(h), scaled(w));
      }
    }
    int outHeight = 0;
    int outWidth = 0;
    for (int i = 0; i < rows; i++) {
      outHeight += Math.min(limit, out[i][0].h);
    }
    for (int j = 0; j < cols; j++) {
      outWidth += Math.min(limit, out[0][j].w);
    }
    float[] joined = new float[n * outChannels * outHeight * outWidth];
    int top = 0;
    for (int i = 0; i < rows; i++) {
      int left = 0;
      for (int j = 0; j < cols; j++) {
        Block b = out[i][j];
        if (i > 0) {
          blendVertically(out[i - 1][j], b, blend);
        }
        if (j > 0) {
          blendHorizontally(out[i][j - 1], b, blend);
        }
        b.copyInto(joined, outHeight, outWidth, top, left, Math.min(limit, b.h), Math.min(limit, b.w));
        left += Math.min(limit, b.w);
      }
      top += Math.min(limit, out[i][0].h);
    }
    return joined;
  }

  private int scaled(int side) {
    return Math.toIntExact((long) side * outTile / tile);
  }

  /** {@code [planes, H, W]}'s window of {@code h x w} at ({@code y0}, {@code x0}). */
  static float[] crop(float[] x, int planes, int height, int width, int y0, int x0, int h, int w) {
    float[] out = new float[planes * h * w];
    for (int p = 0; p < planes; p++) {
      for (int y = 0; y < h; y++) {
        System.arraycopy(x, (p * height + y0 + y) * width + x0, out, (p * h + y) * w, w);
      }
    }
    return out;
  }

  /** diffusers' {@code blend_v}: {@code b}'s first rows ramp from {@code a}'s last rows into its own. */
  private static void blendVertically(Block a, Block b, int extent) {
    int e = Math.min(Math.min(a.h, b.h), extent);
    for (int y = 0; y < e; y++) {
      float wa = (float) (1 - (double) y / e);
      float wb = (float) ((double) y / e);
      for (int p = 0; p < b.planes; p++) {
        int from = (p * a.h + a.h - e + y) * a.w;
        int to = (p * b.h + y) * b.w;
        for (int x = 0; x < b.w; x++) {
          b.data[to + x] = a.data[from + x] * wa + b.data[to + x] * wb;
        }
      }
    }
  }

  /** diffusers' {@code blend_h}: {@code b}'s first columns ramp from {@code a}'s last columns into its own. */
  private static void blendHorizontally(Block a, Block b, int extent) {
    int e = Math.min(Math.min(a.w, b.w), extent);
    for (int x = 0; x < e; x++) {
      float wa = (float) (1 - (double) x / e);
      float wb = (float) ((double) x / e);
      for (int p = 0; p < b.planes; p++) {
        for (int y = 0; y < b.h; y++) {
          int to = (p * b.h + y) * b.w + x;
          b.data[to] = a.data[(p * a.h + y) * a.w + a.w - e + x] * wa + b.data[to] * wb;
        }
      }
    }
  }

  /** One tile's output, {@code [planes, h, w]}. */
  private record Block(float[] data, int planes, int h, int w) {
    Block {
      if (data.length != planes * h * w) {
        throw new IllegalStateException("a VAE tile pass gave " + data.length + " values, " + planes + "x" + h + "x"
            + w + " expected");
      }
    }

    /** Writes the top-left {@code h x w} of every plane at ({@code top}, {@code left}) of {@code [planes, H, W]}. */
    void copyInto(float[] out, int height, int width, int top, int left, int rows, int cols) {
      for (int p = 0; p < planes; p++) {
        for (int y = 0; y < rows; y++) {
          System.arraycopy(data, (p * this.h + y) * this.w, out, (p * height + top + y) * width + left, cols);
        }
      }
    }
  }
}
