package org.sdj.cuda;

/**
 * Attention for head sizes beyond the tensor-core kernels' 160 (the VAE's single 512-wide head) as two cuBLASLt
 * products and a softmax per block of query rows: {@code S = scale q k^T} in float32, {@code P = softmax(S)} rounded to
 * the storage type (as the fused kernels round their probabilities), {@code o = P v}, every product accumulating in
 * float. The scores of a block take {@link #rowsPerBlock} rows of scratch, so memory stays bounded at any sequence
 * length. The CUDA-core kernel (attention_wide.cu) it replaces reached about 4 TFLOP/s at the VAE's 4096 x 4096 x 512
 * on an H200 (8.3 ms of a 15.7 ms decode); cuBLASLt's products run at hundreds.
 */
final class ProductAttention {
  /**
   * Scratch per block of rows: the float32 scores and their 16-bit probabilities (6 bytes per score). 24 MiB keeps a
   * 512x512 txt2img's peak (the VAE decode, ~2.3 GiB) under 2.5 GB and a block's products large enough for cuBLASLt
   * (1024 rows at the VAE's 4096 keys).
   */
  static final long BLOCK_BYTES = 24L << 20;

  private final Launcher launch;
  private final Matmul gemm;
  private final long blockBytes;

  /** Blocks of {@link #BLOCK_BYTES}. */
  ProductAttention(Launcher launch, Matmul gemm) {
    this(launch, gemm, BLOCK_BYTES);
  }

  /** Blocks of {@code blockBytes} of scratch (smaller in tests, to cut the rows into several blocks). */
  ProductAttention(Launcher launch, Matmul gemm, long blockBytes) {
    this.launch = launch;
    this.gemm = gemm;
    this.blockBytes = blockBytes;
  }

  /** Query rows per block for {@code nk} keys: as many as the block's scratch holds, at least one, at most nq. */
  int rowsPerBlock(long nq, long nk) {
    return (int) Math.max(1, Math.min(nq, blockBytes / (6 * Math.max(1, nk))));
  }

  /**
   * {@code o [b, nq, heads*d] = softmax(q k^T * scale) v} per head, as {@link AttentionKernels#attention} takes it
   * (q's rows {@code ldq} elements apart, k's and v's {@code ldkv}), with scratch at {@code scores} (float32) and
   * {@code probabilities} (the storage type), each of {@code rowsPerBlock(nq, nk) * nk} elements. Needs keys.
   */
  void attention(long q, long k, long v, long o, int b, int nq, int nk, int heads, int d, int ldq, int ldkv,
      float scale, boolean causal, long scores, long probabilities) {
    if (nk <= 0) {
      throw new IllegalArgumentException("attention by products needs keys, not " + nk);
    }
    int rows = rowsPerBlock(nq, nk);
    long element = 2;
    long ldo = (long) heads * d;
    String softmax = "sdj_softmax_rows" + launch.suffix();
    for (int item = 0; item < b; item++) {
      for (int h = 0; h < heads; h++) {
        long kh = k + element * ((long) item * nk * ldkv + (long) h * d);
        long vh = v + element * ((long) item * nk * ldkv + (long) h * d);
        for (int r0 = 0; r0 < nq; r0 += rows) {
          int n = Math.min(rows, nq - r0);
          long qh = q + element * (((long) item * nq + r0) * ldq + (long) h * d);
          long oh = o + element * (((long) item * nq + r0) * ldo + (long) h * d);
          gemm.product(new Matmul.Strided(qh, ldq), new Matmul.Strided(kh, ldkv),
              new Matmul.Strided(scores, nk), new Matmul.Shape(n, d, nk, true, true, scale));
          launch.raw(softmax, new int[] {n, 1, 1}, new int[] {256, 1, 1}, 0, scores,
              probabilities, nk, nk, nk, causal ? 1 : 0, r0);
          gemm.product(new Matmul.Strided(probabilities, nk), new Matmul.Strided(vh, ldkv),
              new Matmul.Strided(oh, ldo), new Matmul.Shape(n, nk, d, false, false, 1f));
        }
      }
    }
  }
}
