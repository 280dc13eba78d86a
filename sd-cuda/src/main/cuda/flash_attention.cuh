// Fused multi-head attention forward on the tensor cores (mma.sync, fp16 or bf16 in, float accumulation), the
// FlashAttention-2 scheme: softmax(q k^T * scale [+ causal mask]) v per head without the Nq x Nk matrix in memory.
// q [B, Nq, heads*d], k and v [B, Nk, heads*d], o [B, Nq, heads*d] (the projections' own layout, no transposes),
// scale passed as scale * log2(e), head size d padded with zeros to DP (a multiple of 16). sm_80 or newer (cp.async,
// ldmatrix). On an H200 it ran 1.6-3.1x faster than the first kernel it replaced (benchmarks/RESULTS.md).
//
// How it is organised:
//  * Operand fragments come from shared memory through ldmatrix: one ldmatrix.x4 gives the query A fragment of a
//    16x16 step, or the K B fragments of two 8-key tiles, or (with .trans, from V stored [key][dim]) the V
//    B fragments of two 8-column output tiles; no scalar loads or packing.
//  * K and V tiles arrive with cp.async (16 bytes a thread, zero-filled past Nk and past d) in a pipeline over one K
//    buffer and one V buffer: V of tile j is in flight while q k^T of tile j runs, K of tile j+1 while the softmax and
//    P V of tile j run. Two barriers per key tile.
//  * Each warp owns MT = 2 query m-tiles (32 rows; a block of 4 warps covers 128 rows), so that each K/V fragment read
//    from shared memory feeds two mma instead of one. Up to DP 80 the query fragments stay in registers; from DP 96
//    on (QS) they are read from a resident query tile at every k-step, which keeps the accumulators in registers
//    without spilling. 32-key tiles except at DP 16/32 (64).
//  * The softmax works on raw scores where no key of the tile is masked: one fma and one ex2.approx.ftz per score;
//    masking (keys past Nk, causal) runs only on the tiles that need it; a row keeps a stale maximum until its scores
//    top it by more than 2^8 (next_maximum, FlashAttention-4's conditional rescaling, which won 2-3% in the wgmma
//    kernel on an H200, run 11), and the rescaling of the running outputs is skipped (one warp vote) where no row
//    maximum of the warp rose.
//  * DP 128 and 160 take more than 48 KiB of shared memory, as dynamic shared memory (AttentionKernels.flashSharedBytes;
//    KernelModule raises the function's limit before the launch); the others declare theirs statically.
// Rows per block (64 * MT) and dynamic shared memory depend on DP: AttentionKernels.flashRows and flashSharedBytes on
// the Java side mirror SDJ_FLASH_ALL in flash_attention.cu (FlashAttentionLaunchTest compares them).
//
// Shared memory: row-major tiles with a row pitch of DP + 8 elements (DP*2 + 16 bytes, an odd number of 16-byte
// units), so the eight 16-byte rows that one ldmatrix phase reads fall in eight different bank quads.
#pragma once
#include "attention.cuh"

namespace sdj {
namespace flash {

constexpr int THREADS = 128;  // 4 warps

template <typename T> struct Mma;

template <> struct Mma<__half> {
  static __device__ __forceinline__ void run(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
#ifdef SDJ_EMU
    emu::mma_f16(c, a, b0, b1);
#else
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
  }
};

template <> struct Mma<__nv_bfloat16> {
  static __device__ __forceinline__ void run(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
#ifdef SDJ_EMU
    emu::mma_bf16(c, a, b0, b1);
#else
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
  }
};

// c[mt][n] += a[mt] b[0..1] and c[mt][n + 1] += a[mt] b[2..3] for every m-tile: the two 8-column products that one
// ldmatrix.x4 of B feeds (q k^T over two key tiles, or P V over two output column tiles).
template <typename T, int MT, int N>
__device__ __forceinline__ void mma_pair(float (&c)[MT][N][4], int n, const uint32_t (&a)[MT][4],
                                         const uint32_t (&b)[4]) {
#pragma unroll
  for (int mt = 0; mt < MT; mt++) {
    Mma<T>::run(c[mt][n], a[mt], b[0], b[1]);
    Mma<T>::run(c[mt][n + 1], a[mt], b[2], b[3]);
  }
}

// ldmatrix .x4: lanes 8i..8i+7 give the addresses of the eight 16-byte rows of matrix i; register i of lane
// (g = lane/4, t = lane%4) receives elements 2t, 2t+1 of row g of matrix i (of column g, i.e. rows 2t and 2t+1 at
// column g, with .trans).
__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], uint32_t addr) {
#ifdef SDJ_EMU
  emu::ldmatrix_x4(r, addr, false);
#else
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
#endif
}

__device__ __forceinline__ void ldsm_x4_trans(uint32_t (&r)[4], uint32_t addr) {
#ifdef SDJ_EMU
  emu::ldmatrix_x4(r, addr, true);
#else
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
#endif
}

// Rows [row0, row0 + ROWS) of one head into dst [ROWS][LD], zero past nrows and past column d (padded rows and
// columns then add nothing to the products and never carry NaN from unwritten memory). With vec (d % 8 == 0 and
// 16-byte aligned heads) as cp.async of 16-byte chunks, completed by the caller's cp_async_wait; otherwise by plain
// element loads and stores, complete on return.
template <typename T, int DP, int LD, int ROWS>
__device__ __forceinline__ void load_tile(T* dst, const T* src, int row0, int nrows, int d, int stride,
                                          bool vec) {
  constexpr int CH = DP / 8;  // 16-byte chunks per row
  constexpr int CHUNKS = ROWS * CH;
  if (vec) {
    const uint32_t base = smem(dst);
    const T* tile = src + (long long)row0 * stride;  // offsets within a tile fit in 32 bits (ROWS * stride)
    const int rows = nrows - row0;
#pragma unroll
    for (int it = 0; it < (CHUNKS + THREADS - 1) / THREADS; it++) {
      int i = it * THREADS + threadIdx.x;
      if (CHUNKS % THREADS != 0 && i >= CHUNKS) break;
      int r = i / CH;
      int c = (i - r * CH) * 8;
      bool ok = r < rows && c < d;
      const T* p = ok ? tile + (r * stride + c) : src;
      cp_async16(base + (uint32_t)(r * LD + c) * 2u, p, ok ? 16 : 0);
    }
  } else {
    for (int i = threadIdx.x; i < ROWS * DP; i += THREADS) {
      int r = i / DP;
      int c = i - r * DP;
      T val = from_f<T>(0.f);
      if (row0 + r < nrows && c < d) val = src[(long long)(row0 + r) * stride + c];
      dst[r * LD + c] = val;
    }
  }
}

// Bytes of shared memory the kernel for (DP, BC, MT, QS) uses: K and V tiles of BC rows, and with QS a resident query
// tile of 64 * MT rows (without QS the query tile passes through the K/V buffers once).
__host__ __device__ constexpr int smem_bytes(int DP, int BC, int MT, bool QS) {
  return (QS ? 64 * MT + 2 * BC : (64 * MT > 2 * BC ? 64 * MT : 2 * BC)) * (DP + 8) * 2;
}
constexpr int STATIC_SMEM_MAX = 48 * 1024;

template <typename T, int DP, int BC, int MT, bool QS>
__device__ __forceinline__ void attention(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                          T* __restrict__ o, int nq, int nk, int heads, int d, int ldq, int ldkv,
                                          float scale_log2, int causal) {
  constexpr int LD = DP + 8;  // row pitch in elements: DP*2 + 16 bytes
  constexpr int KS = DP / 16; // k-steps of q k^T
  constexpr int NT = DP / 8;  // 8-column tiles of the output
  constexpr int BR = 64 * MT; // query rows per block
  constexpr int SMEM = smem_bytes(DP, BC, MT, QS);
  static_assert(BC % 16 == 0 && DP % 16 == 0, "tile sizes");
  T* sm;
  if constexpr (SMEM > STATIC_SMEM_MAX) {
    // Launched with exactly SMEM bytes of dynamic shared memory (AttentionKernels.flashSharedBytes); anything less would
    // overrun it, so refuse to run.
    extern __shared__ __align__(128) unsigned char sdj_flash_dynamic[];
    if (dynamic_smem_size() < (uint32_t)SMEM) __trap();
    sm = reinterpret_cast<T*>(sdj_flash_dynamic);
  } else {
    __shared__ __align__(128) T sdj_flash_static[SMEM / sizeof(T)];
    sm = sdj_flash_static;
  }
  // QS: query tile [BR][LD], then K [BC][LD], then V [BC][LD]. Otherwise K [BC][LD], V [BC][LD], and the query tile
  // passes through the V buffer while K's first tile loads beside it, or across both when it is larger than one.
  T* const ks = QS ? sm + BR * LD : sm;
  T* const vs = ks + BC * LD;
  T* const qs = QS ? sm : (BR <= BC ? vs : sm);

  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;  // fragment row
  const int t = lane & 3;   // fragment column pair
  const int q0 = blockIdx.x * BR;
  const int wrow = warp * 16 * MT;  // first row of this warp's m-tiles in the block
  const HeadView<T> hv = head_view(q, k, v, o, nq, nk, heads, d, ldq, ldkv);
  const T* qb = hv.q;
  const T* kb = hv.k;
  const T* vb = hv.v;
  T* ob = hv.o;
  const bool vec = hv.vec;
  // Causal: no query of this block sees keys at or past q0 + BR.
  const int kv_end = causal ? min(nk, q0 + BR) : nk;
  // A negative scale becomes a positive one on negated queries (exact), so that the row maximum of raw scores is the
  // maximum of scaled ones.
  float sc = scale_log2;
  const bool negate = sc < 0.f;
  if (negate) sc = -sc;

  // Query A fragments: matrices (rows 0-7, cols 0-7), (rows 8-15, cols 0-7), (rows 0-7, cols 8-15),
  // (rows 8-15, cols 8-15) of a 16x16 step are a0..a3; lane L addresses row L % 16, column 8 * (L / 16).
  const uint32_t q_lane = smem(qs) + (uint32_t)((wrow + (lane & 15)) * LD + (lane >> 4) * 8) * 2u;

  load_tile<T, DP, LD, BR>(qs, qb, q0, nq, d, hv.q_stride, vec);
  cp_async_commit();
  [[maybe_unused]] uint32_t qf[QS ? 1 : MT][QS ? 1 : KS][4];
  if constexpr (QS) {
    load_tile<T, DP, LD, BC>(ks, kb, 0, nk, d, hv.kv_stride, vec);
    cp_async_commit();
    if (negate) {
      cp_async_wait<0>();
      __syncthreads();
      uint32_t* w = reinterpret_cast<uint32_t*>(qs);
      for (int i = threadIdx.x; i < BR * LD / 2; i += THREADS) w[i] ^= 0x80008000u;
      // the barrier at the top of the first key tile orders these stores before the fragment loads
    }
  } else {
    if constexpr (BR <= BC) {
      load_tile<T, DP, LD, BC>(ks, kb, 0, nk, d, hv.kv_stride, vec);
      cp_async_commit();
      cp_async_wait<1>();  // the query group; K's first tile may still be in flight
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
#pragma unroll
    for (int mt = 0; mt < MT; mt++)
#pragma unroll
      for (int kk = 0; kk < KS; kk++) {
        ldsm_x4(qf[mt][kk], q_lane + (uint32_t)(mt * 16 * LD + kk * 16) * 2u);
        if (negate)
#pragma unroll
          for (int i = 0; i < 4; i++) qf[mt][kk][i] ^= 0x80008000u;
      }
    if constexpr (BR > BC) {
      __syncthreads();  // every warp has its query fragments before K overwrites them
      load_tile<T, DP, LD, BC>(ks, kb, 0, nk, d, hv.kv_stride, vec);
      cp_async_commit();
    }
  }

  float acc[MT][NT][4];
#pragma unroll
  for (int mt = 0; mt < MT; mt++)
#pragma unroll
    for (int n = 0; n < NT; n++) acc[mt][n][0] = acc[mt][n][1] = acc[mt][n][2] = acc[mt][n][3] = 0.f;
  float m[MT][2];  // running maxima of rows g and g + 8 of each m-tile, scaled (log2 domain)
  float l[MT][2];  // this thread's share of their running sums
#pragma unroll
  for (int mt = 0; mt < MT; mt++) m[mt][0] = m[mt][1] = -INFINITY, l[mt][0] = l[mt][1] = 0.f;

  // K B fragments of 8-key tiles 2jp and 2jp + 1 at k-step kk: matrices (keys 0-7, dims 0-7), (keys 0-7,
  // dims 8-15), (keys 8-15, dims 0-7), (keys 8-15, dims 8-15) are b0, b1 of the first and b0, b1 of the second;
  // lane L addresses key (L % 8) + 8 * (L / 16), dim 8 * ((L / 8) % 2).
  const uint32_t k_lane = smem(ks) + (uint32_t)(((lane & 7) + ((lane >> 4) << 3)) * LD + ((lane >> 3) & 1) * 8) * 2u;
  // V B fragments (.trans) of 16-key step kt for output tiles 2np and 2np + 1: matrices (keys 0-7, cols 0-7),
  // (keys 8-15, cols 0-7), (keys 0-7, cols 8-15), (keys 8-15, cols 8-15); lane L addresses key L % 16,
  // column 8 * (L / 16).
  const uint32_t v_lane = smem(vs) + (uint32_t)((lane & 15) * LD + (lane >> 4) * 8) * 2u;

  for (int k0 = 0; k0 < kv_end; k0 += BC) {
    cp_async_wait<0>();
    __syncthreads();  // K tile k0 (and a resident query tile) landed; no warp still reads the V buffer
    load_tile<T, DP, LD, BC>(vs, vb, k0, nk, d, hv.kv_stride, vec);
    cp_async_commit();

    float s[MT][BC / 8][4];
#pragma unroll
    for (int mt = 0; mt < MT; mt++)
#pragma unroll
      for (int j = 0; j < BC / 8; j++) s[mt][j][0] = s[mt][j][1] = s[mt][j][2] = s[mt][j][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < KS; kk++) {
      uint32_t qa[MT][4];
#pragma unroll
      for (int mt = 0; mt < MT; mt++) {
        if constexpr (QS) {
          ldsm_x4(qa[mt], q_lane + (uint32_t)(mt * 16 * LD + kk * 16) * 2u);
        } else {
#pragma unroll
          for (int i = 0; i < 4; i++) qa[mt][i] = qf[mt][kk][i];
        }
      }
#pragma unroll
      for (int jp = 0; jp < BC / 16; jp++) {
        uint32_t b[4];
        ldsm_x4(b, k_lane + (uint32_t)(jp * 16 * LD + kk * 16) * 2u);
        mma_pair<T>(s, 2 * jp, qa, b);
      }
    }

    cp_async_wait<0>();
    __syncthreads();  // V tile k0 has landed; no warp still reads the K buffer
    if (k0 + BC < kv_end) {
      load_tile<T, DP, LD, BC>(ks, kb, k0 + BC, nk, d, hv.kv_stride, vec);
      cp_async_commit();
    }

    // Scores of a tile with masked keys are scaled here (masked ones -inf) and enter the exponent with factor 1;
    // the others stay raw and are scaled inside the fma.
    float tsc = sc;
    if (k0 + BC > nk || (causal && k0 + BC - 1 > q0)) {
      tsc = 1.f;
#pragma unroll
      for (int mt = 0; mt < MT; mt++)
#pragma unroll
        for (int j = 0; j < BC / 8; j++)
#pragma unroll
          for (int c = 0; c < 4; c++) {
            int key = k0 + j * 8 + t * 2 + (c & 1);
            int row = q0 + wrow + mt * 16 + g + (c >> 1) * 8;
            bool masked = key >= nk || (causal && key > row);
            s[mt][j][c] = masked ? -INFINITY : s[mt][j][c] * sc;
          }
    }
    float nb[MT][2];     // minus the new row maxima (0 for a row that has seen only masked keys)
    float alpha[MT][2];  // factors of the running sums and outputs
    bool grew = false;   // some row maximum of this thread rose
#pragma unroll
    for (int mt = 0; mt < MT; mt++)
#pragma unroll
      for (int i = 0; i < 2; i++) {
        float mx = s[mt][0][2 * i];
#pragma unroll
        for (int j = 0; j < BC / 8; j++) mx = fmaxf(mx, fmaxf(s[mt][j][2 * i], s[mt][j][2 * i + 1]));
        float base;
        const float mnew = next_maximum<true>(m[mt][i], quad_reduce<MaxOp>(mx) * tsc, base, alpha[mt][i]);
        grew |= mnew != m[mt][i];
        m[mt][i] = mnew;
        nb[mt][i] = -base;
      }
    // Where no row maximum of the warp rose, every factor is 2^0 = 1 (or 0 on a row without unmasked keys yet, whose
    // sum and outputs are still 0): the rescaling is skipped, one vote instead of MT * (DP / 2 + 2) multiplications.
    if (__any_sync(0xffffffffu, grew)) {
#pragma unroll
      for (int mt = 0; mt < MT; mt++)
#pragma unroll
        for (int i = 0; i < 2; i++) {
          l[mt][i] *= alpha[mt][i];
#pragma unroll
          for (int n = 0; n < NT; n++) {
            acc[mt][n][2 * i] *= alpha[mt][i];
            acc[mt][n][2 * i + 1] *= alpha[mt][i];
          }
        }
    }
#pragma unroll
    for (int mt = 0; mt < MT; mt++)
#pragma unroll
      for (int j = 0; j < BC / 8; j++)
#pragma unroll
        for (int c = 0; c < 4; c++) {
          const float p = ex2(fmaf(s[mt][j][c], tsc, nb[mt][c >> 1]));
          s[mt][j][c] = p;
          l[mt][c >> 1] += p;
        }

    // O += P V: the score accumulators of two adjacent 8-key tiles form one A fragment.
#pragma unroll
    for (int kt = 0; kt < BC / 16; kt++) {
      uint32_t a[MT][4];
#pragma unroll
      for (int mt = 0; mt < MT; mt++) {
        a[mt][0] = pack2<T>(s[mt][2 * kt][0], s[mt][2 * kt][1]);
        a[mt][1] = pack2<T>(s[mt][2 * kt][2], s[mt][2 * kt][3]);
        a[mt][2] = pack2<T>(s[mt][2 * kt + 1][0], s[mt][2 * kt + 1][1]);
        a[mt][3] = pack2<T>(s[mt][2 * kt + 1][2], s[mt][2 * kt + 1][3]);
      }
#pragma unroll
      for (int np = 0; np < NT / 2; np++) {
        uint32_t b[4];
        ldsm_x4_trans(b, v_lane + (uint32_t)(kt * 16 * LD + np * 16) * 2u);
        mma_pair<T>(acc, 2 * np, a, b);
      }
    }
  }
  cp_async_wait<0>();  // nothing left in flight at exit (a K prefetch when there were no keys)

  const bool pairs = (d % 2 == 0) && ((reinterpret_cast<uintptr_t>(ob) & 3) == 0);
#pragma unroll
  for (int mt = 0; mt < MT; mt++) {
#pragma unroll
    for (int i = 0; i < 2; i++) {
      const float s_ = quad_reduce<SumOp>(l[mt][i]);
      const float inv = s_ > 0.f ? 1.f / s_ : 0.f;
      const int row = q0 + wrow + mt * 16 + g + i * 8;
      if (row >= nq) continue;
      T* orow = ob + (long long)row * heads * d;
#pragma unroll
      for (int n = 0; n < NT; n++) {
        const int col = n * 8 + t * 2;
        store_pair<T>(orow, col, d, pairs, acc[mt][n][2 * i] * inv, acc[mt][n][2 * i + 1] * inv);
      }
    }
  }
}

}  // namespace flash
}  // namespace sdj
