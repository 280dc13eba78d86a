package org.sdj.cpu;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;

/**
 * Flash attention on the CPU: per head, each task owns a block of queries and walks the keys block by block with an
 * online softmax (rescaling its running sums when the running maximum grows), so the {@code Nq x Nk} score matrix never
 * exists; a task's scratch is a key block by its query block plus {@code d} by its query block.
 *
 * <p>Both products run on the GEMM micro-kernel, computed transposed so that queries lie along the vector lanes:
 * {@code S^T = K Q^T} (the keys' panels times the scaled queries), then {@code O^T += V^T P^T}, where {@code P^T} is
 * {@code S^T} after the exp, already in the kernel's packed-panel layout. The softmax's column-wise max, exp and
 * rescaling are then plain vector loops along the queries. Each head's keys and values are packed once, shared by its
 * tasks ({@code 2 Nk d} floats).
 */
final class Attention {
  /** Keys per step: a multiple of every kernel's row count. */
  private static final int BLOCK_K = 128;

  private Attention() {}

  /** Sizes: batch, queries, keys, row width {@code heads * d}, heads. */
  record Shape(int batch, int nq, int nk, int width, int heads) {
    int d() {
      return width / heads;
    }
  }

  static void apply(Simd simd, ForkJoinPool pool, float[] q, float[] k, float[] v, Shape s, float scale,
      boolean causal, float[] y) {
    int mr = simd.mr();
    int d = s.d();
    int bq = 2 * simd.nr();
    int keyPanels = (s.nk() + mr - 1) / mr;
    int dPanels = (d + mr - 1) / mr;
    float[] kPacked = new float[keyPanels * mr * d];
    float[] vPacked = new float[dPanels * mr * s.nk()];
    int blocks = (s.nq() + bq - 1) / bq;
    for (int b = 0; b < s.batch(); b++) {
      for (int h = 0; h < s.heads(); h++) {
        int kvBase = b * s.nk() * s.width() + h * d;
        Panels keys = Panels.rows(simd, k, kvBase, s.width());
        Panels values = Panels.columns(v, kvBase, s.width());
        Parallel.forEach(pool, keyPanels + dPanels, ip -> {
          if (ip < keyPanels) {
            keys.pack(ip * mr, Math.min(mr, s.nk() - ip * mr), 0, d, mr, kPacked, ip * mr * d);
          } else {
            int c = (ip - keyPanels) * mr;
            values.pack(c, Math.min(mr, d - c), 0, s.nk(), mr, vPacked, c * s.nk());
          }
        });
        int head = h;
        int batch = b;
        Parallel.forEach(pool, blocks, qb -> {
          int i0 = qb * bq;
          new Tile(simd, s, batch, head, i0, Math.min(bq, s.nq() - i0), bq).run(q, kPacked, vPacked, scale, causal,
              y);
        });
      }
    }
  }

  /** One block of queries of one head, with its scratch. */
  private static final class Tile {
    private final Simd simd;
    private final Shape s;
    private final int b;
    private final int col;
    private final int i0;
    private final int rows;
    private final int bq;
    private final int d;
    private final int mr;
    private final int nr;
    private final float[] qt;
    private final float[] st;
    private final float[] ot;
    private final float[] max;
    private final float[] shift;
    private final float[] alpha;
    private final float[] sum;

    Tile(Simd simd, Shape s, int b, int h, int i0, int rows, int bq) {
      this.simd = simd;
      this.s = s;
      this.b = b;
      this.d = s.d();
      this.col = h * d;
      this.i0 = i0;
      this.rows = rows;
      this.bq = bq;
      this.mr = simd.mr();
      this.nr = simd.nr();
      qt = new float[bq * d];
      st = new float[BLOCK_K * bq];
      ot = new float[(d + mr - 1) / mr * mr * bq];
      max = new float[bq];
      shift = new float[bq];
      alpha = new float[bq];
      sum = new float[bq];
      Arrays.fill(max, Float.NEGATIVE_INFINITY);
    }

    void run(float[] q, float[] kPacked, float[] vPacked, float scale, boolean causal, float[] y) {
      Panels queries = Panels.rows(simd, q, (b * s.nq() + i0) * s.width() + col, s.width());
      for (int jq = 0; jq * nr < bq; jq++) {
        queries.pack(jq * nr, Math.max(0, Math.min(nr, rows - jq * nr)), 0, d, nr, qt, jq * d * nr);
      }
      for (int i = 0; i < qt.length; i++) {
        qt[i] *= scale;
      }
      // With a causal mask, no query of this block sees a key past its last query.
      int keys = causal ? Math.min(s.nk(), i0 + rows) : s.nk();
      for (int j0 = 0; j0 < keys; j0 += BLOCK_K) {
        int kv = Math.min(BLOCK_K, keys - j0);
        scores(kPacked, j0, kv);
        if (causal && j0 + kv - 1 > i0) {
          mask(j0, kv);
        }
        softmaxStep(kv);
        for (int c = 0; c < d; c += mr) {
          for (int jq = 0; jq * nr < bq; jq++) {
            simd.kernel(kv, vPacked, c * s.nk() + j0 * mr, st, jq * BLOCK_K * nr, ot, c * bq + jq * nr, bq,
                Math.min(mr, d - c), nr);
          }
        }
      }
      for (int i = 0; i < rows; i++) {
        int dst = (b * s.nq() + i0 + i) * s.width() + col;
        float inv = 1 / sum[i];
        for (int c = 0; c < d; c++) {
          y[dst + c] = ot[c * bq + i] * inv;
        }
      }
    }

    /** {@code S^T [kv, bq]} for keys {@code j0 ..}, stored as query panels of {@code nr} columns. */
    private void scores(float[] kPacked, int j0, int kv) {
      for (int jq = 0; jq * nr < bq; jq++) {
        int panel = jq * BLOCK_K * nr;
        for (int r = 0; r < kv; r += mr) {
          simd.kernelSet(d, kPacked, (j0 + r) * d, qt, jq * d * nr, st, panel + r * nr, nr, Math.min(mr, kv - r),
              nr);
        }
      }
    }

    private void mask(int j0, int kv) {
      for (int jq = 0; jq * nr < bq; jq++) {
        for (int r = 0; r < kv; r++) {
          int row = jq * BLOCK_K * nr + r * nr;
          for (int j = 0; j < nr; j++) {
            if (j0 + r > i0 + jq * nr + j) {
              st[row + j] = Float.NEGATIVE_INFINITY;
            }
          }
        }
      }
    }

    /** Folds the block's scores into the running max and sum, turns them into weights and rescales the output. */
    private void softmaxStep(int kv) {
      float[] blockMax = shift;
      System.arraycopy(max, 0, blockMax, 0, bq);
      for (int jq = 0; jq * nr < bq; jq++) {
        simd.columnMax(st, jq * BLOCK_K * nr, kv, nr, blockMax, jq * nr);
      }
      for (int j = 0; j < bq; j++) {
        float m = blockMax[j];
        // A column with no visible key yet keeps a zero output; shifting by 0 keeps its exps at exp(-inf) = 0.
        float safe = m == Float.NEGATIVE_INFINITY ? 0 : m;
        alpha[j] = max[j] - safe;
        max[j] = m;
        shift[j] = safe;
      }
      simd.exp(alpha, 0, bq);
      for (int j = 0; j < bq; j++) {
        sum[j] *= alpha[j];
      }
      for (int jq = 0; jq * nr < bq; jq++) {
        simd.expColumns(st, jq * BLOCK_K * nr, kv, nr, shift, sum, jq * nr);
      }
      simd.scaleColumns(ot, 0, d, bq, alpha, 0);
    }
  }
}
