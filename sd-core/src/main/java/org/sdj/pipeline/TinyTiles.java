package org.sdj.pipeline;

/**
 * diffusers' tiling of TAESD ({@code AutoencoderTiny.enable_tiling()}), which is not the VAE's ({@link VaeTiles}):
 * pictures cut into tiles of 512 pixels (64 latents at a factor of 8) every seven eighths of a tile, each tile through
 * the encoder or the decoder alone, and each output written over the output so far through a mask that ramps from 0 to
 * 1 over the tile's first eighth (1 along the first row and column of tiles), the tiles walked row by row.
 */
final class TinyTiles {
  /** diffusers' {@code tile_sample_min_size}, in pixels. */
  private static final int SAMPLE_TILE = 512;
  /** diffusers' {@code tile_overlap_factor}. */
  private static final double OVERLAP = 0.125;

  private final int factor;

  /** @param factor how many pixels a latent covers along each side (8) */
  TinyTiles(int factor) {
    this.factor = factor;
  }

  /**
   * Decodes {@code latents} {@code [N, C, h, w]} tile by tile: {@code [N, outChannels, h * f, w * f]}.
   *
   * @param pass the decoder on one tile
   */
  float[] decode(float[] latents, long[] shape, int outChannels, VaeTiles.Pass pass) {
    int tile = SAMPLE_TILE / factor;
    return run(latents, shape, outChannels, pass, tile, (int) (tile * OVERLAP), factor, false);
  }

  /**
   * Encodes {@code pictures} {@code [N, 3, H, W]} (sides multiples of the factor) tile by tile:
   * {@code [N, latentChannels, H / f, W / f]}.
   *
   * @param pass the encoder on one tile
   */
  float[] encode(float[] pictures, long[] shape, int latentChannels, VaeTiles.Pass pass) {
    return run(pictures, shape, latentChannels, pass, SAMPLE_TILE, (int) (SAMPLE_TILE * OVERLAP), factor, true);
  }

  /**
   * The tiles of {@code tile} input rows and columns every {@code tile - overlap}, each output blended in; the output
   * is {@code scale} times the input's size, or {@code 1 / scale} times where {@code shrinks}.
   */
  private static float[] run(float[] input, long[] shape, int outChannels, VaeTiles.Pass pass, int tile,
      int overlap, int scale, boolean shrinks) {
    int n = Math.toIntExact(shape[0]);
    int c = Math.toIntExact(shape[1]);
    int height = Math.toIntExact(shape[2]);
    int width = Math.toIntExact(shape[3]);
    int outHeight = shrinks ? height / scale : height * scale;
    int outWidth = shrinks ? width / scale : width * scale;
    // The mask's ramp in output units: arange(tile side out) / (overlap out - 1), at most 1, in float32 as torch.
    float rampEnd = shrinks ? overlap / scale - 1 : overlap * scale - 1;
    float[] out = new float[n * outChannels * outHeight * outWidth];
    int step = tile - overlap;
    for (int i = 0; i < height; i += step) {
      for (int j = 0; j < width; j += step) {
        int h = Math.min(tile, height - i);
        int w = Math.min(tile, width - j);
        float[] result = pass.apply(VaeTiles.crop(input, n * c, height, width, i, j, h, w), new long[] {n, c, h, w});
        int top = shrinks ? i / scale : i * scale;
        int left = shrinks ? j / scale : j * scale;
        int rows = shrinks ? Math.ceilDiv(h, scale) : h * scale;
        int tw = shrinks ? Math.ceilDiv(w, scale) : w * scale;
        if (result.length != (long) n * outChannels * rows * tw || top + rows > outHeight || left + tw > outWidth) {
          throw new IllegalStateException("a tile pass gave " + result.length + " values for a " + h + "x" + w
              + " tile");
        }
        for (int p = 0; p < n * outChannels; p++) {
          for (int y = 0; y < rows; y++) {
            float mi = i == 0 ? 1f : Math.min((float) y / rampEnd, 1f);
            for (int x = 0; x < tw; x++) {
              float mj = j == 0 ? 1f : Math.min((float) x / rampEnd, 1f);
              float m = mi * mj;
              int at = (p * outHeight + top + y) * outWidth + left + x;
              out[at] = m * result[(p * rows + y) * tw + x] + (1 - m) * out[at];
            }
          }
        }
      }
    }
    return out;
  }
}
