package org.sdj.cpu;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;

/**
 * Scaled-dot-product attention in tiles with an online softmax (as FlashAttention does): each task owns a block of
 * queries of one head and walks the keys block by block, rescaling its running sums when the running maximum grows, so
 * that the {@code Nq x Nk} score matrix never exists in full (SD's self-attention at 64x64 latents has N = 4096).
 */
final class Attention {
  private static final int BLOCK_Q = 32;
  private static final int BLOCK_K = 128;

  private Attention() {}

  /** Sizes: batch, queries, keys, row width {@code heads * d}, heads. */
  record Shape(int batch, int nq, int nk, int width, int heads) {
    int d() {
      return width / heads;
    }
  }

  static void apply(ForkJoinPool pool, float[] q, float[] k, float[] v, Shape s, float scale, boolean causal,
      float[] y) {
    int blocks = (s.nq() + BLOCK_Q - 1) / BLOCK_Q;
    Parallel.forEach(pool, s.batch() * s.heads() * blocks, t -> {
      int qb = t % blocks;
      int h = (t / blocks) % s.heads();
      int b = t / (blocks * s.heads());
      new Tile(s, b, h, qb * BLOCK_Q, Math.min(s.nq(), qb * BLOCK_Q + BLOCK_Q)).run(q, k, v, scale, causal, y);
    });
  }

  /** One block of queries of one head, with its scratch. */
  private static final class Tile {
    private final Shape s;
    private final int b;
    private final int col;
    private final int i0;
    private final int rows;
    private final int d;
    private final float[] qs;
    private final float[] kt;
    private final float[] scores;
    private final float[] acc;
    private final float[] max;
    private final float[] sum;

    Tile(Shape s, int b, int h, int i0, int i1) {
      this.s = s;
      this.b = b;
      this.d = s.d();
      this.col = h * d;
      this.i0 = i0;
      this.rows = i1 - i0;
      qs = new float[rows * d];
      kt = new float[d * BLOCK_K];
      scores = new float[rows * BLOCK_K];
      acc = new float[rows * d];
      max = new float[rows];
      sum = new float[rows];
      Arrays.fill(max, Float.NEGATIVE_INFINITY);
    }

    void run(float[] q, float[] k, float[] v, float scale, boolean causal, float[] y) {
      for (int i = 0; i < rows; i++) {
        int src = (b * s.nq() + i0 + i) * s.width() + col;
        for (int c = 0; c < d; c++) {
          qs[i * d + c] = q[src + c] * scale;
        }
      }
      // With a causal mask, no query of this block sees a key past its last query.
      int keys = causal ? Math.min(s.nk(), i0 + rows) : s.nk();
      for (int j0 = 0; j0 < keys; j0 += BLOCK_K) {
        int width = Math.min(BLOCK_K, keys - j0);
        scoreBlock(k, j0, width);
        if (causal) {
          mask(j0, width);
        }
        accumulate(v, j0, width);
      }
      for (int i = 0; i < rows; i++) {
        int dst = (b * s.nq() + i0 + i) * s.width() + col;
        float inv = 1 / sum[i];
        for (int c = 0; c < d; c++) {
          y[dst + c] = acc[i * d + c] * inv;
        }
      }
    }

    /** {@code scores [rows, width] = qs k[j0 ..]^T}, via a transposed copy of the key block. */
    private void scoreBlock(float[] k, int j0, int width) {
      for (int j = 0; j < width; j++) {
        int src = (b * s.nk() + j0 + j) * s.width() + col;
        for (int c = 0; c < d; c++) {
          kt[c * width + j] = k[src + c];
        }
      }
      Arrays.fill(scores, 0, rows * width, 0);
      for (int i = 0; i < rows; i++) {
        for (int c = 0; c < d; c++) {
          float qv = qs[i * d + c];
          int kRow = c * width;
          int sRow = i * width;
          for (int j = 0; j < width; j++) {
            scores[sRow + j] += qv * kt[kRow + j];
          }
        }
      }
    }

    private void mask(int j0, int width) {
      for (int i = 0; i < rows; i++) {
        for (int j = Math.max(0, i0 + i + 1 - j0); j < width; j++) {
          scores[i * width + j] = Float.NEGATIVE_INFINITY;
        }
      }
    }

    /** Folds the block's scores into the running maximum, sum and weighted values of each query. */
    private void accumulate(float[] v, int j0, int width) {
      for (int i = 0; i < rows; i++) {
        int sRow = i * width;
        float blockMax = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < width; j++) {
          blockMax = Math.max(blockMax, scores[sRow + j]);
        }
        if (blockMax == Float.NEGATIVE_INFINITY) {
          continue;
        }
        float newMax = Math.max(max[i], blockMax);
        float rescale = (float) Math.exp(max[i] - newMax);
        max[i] = newMax;
        float total = sum[i] * rescale;
        int aRow = i * d;
        for (int c = 0; c < d; c++) {
          acc[aRow + c] *= rescale;
        }
        for (int j = 0; j < width; j++) {
          float p = (float) Math.exp(scores[sRow + j] - newMax);
          total += p;
          if (p != 0) {
            int vRow = (b * s.nk() + j0 + j) * s.width() + col;
            for (int c = 0; c < d; c++) {
              acc[aRow + c] += p * v[vRow + c];
            }
          }
        }
        sum[i] = total;
      }
    }
  }
}
