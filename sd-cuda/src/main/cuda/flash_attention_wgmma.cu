// Fused multi-head attention forward on Hopper's warpgroup tensor-core instructions (wgmma.mma_async, sm_90a only),
// the FlashAttention-3 scheme without its producer warps: the same contract as flash_attention.cu (q [B, Nq, heads*d],
// k and v [B, Nk, heads*d], o [B, Nq, heads*d], scale passed as scale * log2(e), head size d padded with zeros to DP,
// optional causal mask, fp16 or bf16 in, float accumulation, online softmax in base 2). Experimental and opt-in
// (-Dsdj.cuda.attention=wgmma or wgmma-pipelined, AttentionKernels.attention); flash_attention.cu's mma.sync kernel
// stays the default. The instruction wrappers and descriptors are in wgmma.cuh.
// The CPU emulator of the sd-cuda tests runs it (src/test/emu/emu_wgmma.cpp models wgmma; EmulatedWgmmaAttentionTest).
//
// How it is organised:
//  * A block is two warpgroups (256 threads) over 128 query rows; warpgroup w owns rows 64w..64w+63 and issues its own
//    wgmma: S = Q K^T as m64n{BC}k16 with both operands in shared memory (descriptors), then O += P V as m64n{DP}k16
//    with P from registers (the S accumulators rounded to 16 bits) and V from shared memory, read transposed.
//  * The query tile stays resident in shared memory; K and V tiles of BC keys have two stages each, the cp.async of
//    the next tiles (every thread of the block, 16 bytes each, zero-filled past Nk and past d) in flight while the
//    current ones are multiplied.
//  * Two loops over the key tiles, one kernel table each (benchmarks pick between them):
//    - serial_loop: tile j's S, softmax and O += P V one after another, each batch of wgmma waited for (wait_group 0)
//      before its registers are touched; two barriers per tile (tile j landed; nobody still reads the stage that the
//      next prefetch overwrites);
//    - pipelined_loop (FlashAttention-3's intra-warpgroup overlap): S of tile j and O += P V of tile j - 1 issued
//      together, tile j's softmax while the second runs (wait_group 1, then 0), K copied one tile ahead of V, one
//      barrier per tile.
//    The other warpgroup, and the block beside this one on the SM, fill the tensor cores while one warpgroup runs
//    its softmax in either.
//  * The register operands of wgmma are pinned by empty volatile asm (pin) before the fence and after the wait, so that
//    the compiler neither moves a write of them past the fence nor a read of the results before the wait, nor reuses
//    the registers of P while a product still reads them.
//  * Shared memory written by threads (cp.async and plain stores are the generic proxy) is read by wgmma through the
//    async proxy: every thread runs fence.proxy.async.shared::cta after its copies complete and before the barrier
//    that publishes them (PTX ISA, "Memory Consistency Model", proxies; "Asynchronous Warpgroup Level Matrix
//    Multiply-Accumulate Operation").
//  * The softmax is flash_attention.cu's: raw scores where no key of the tile is masked (one fma and one ex2 per
//    score), masking only on the tiles that need it, the rescale skipped where no row maximum of the warp rose.
//  * Not yet (FlashAttention-3 does them): a producer warp with TMA and mbarriers, ping-pong scheduling of the two
//    warpgroups, output through shared memory with 16-byte stores, swizzled shared layouts.
//
// Fragment layouts relied on (PTX ISA, "Register Fragments and Shared Memory Matrix Layouts", wgmma .m64nNk16):
//  * Accumulator D of m64nNk16 with .f32: warp w of the warpgroup (w = warp index % 4) holds rows 16w..16w+15; lane
//    (g = lane / 4, t = lane % 4) holds, for each 8-column block j < N / 8, d[4j + 0] = (row 16w + g, col 8j + 2t),
//    d[4j + 1] = (16w + g, 8j + 2t + 1), d[4j + 2] = (16w + g + 8, 8j + 2t), d[4j + 3] = (16w + g + 8, 8j + 2t + 1).
//    N / 2 registers per thread.
//  * A from registers for .f16/.bf16 (k16): four 32-bit registers of two elements each, low half first:
//    a0 = (row 16w + g, k 2t..2t+1), a1 = (row 16w + g + 8, k 2t..2t+1), a2 = (row 16w + g, k 2t+8..2t+9),
//    a3 = (row 16w + g + 8, k 2t+8..2t+9): mma.sync m16n8k16's A fragment per warp. So the accumulators of
//    8-key blocks 2kt and 2kt + 1 of S are, rounded and packed in pairs, the A fragment of P's k-step kt.
//
// Shared memory layout (no swizzle, the "interleave" canonical layouts of the PTX ISA's "Shared Memory Matrix
// Layout" / "Matrix Descriptor Format"): a tile of R rows and DP columns is stored as DP / 8 column chunks, each chunk
// holding its R rows of 8 elements (16 bytes) one after another: element (r, c) at (c / 8) * R * 8 + r * 8 + c % 8
// (tile_offset). A core matrix (8 rows x 16 bytes) is then 128 contiguous bytes.
//  * Q as A and K as B of S = Q K^T are K-major (the reduction dimension, head dim, is contiguous within a core
//    matrix). Canonical K-major no-swizzle layout, in 16-byte units: ((8, m), 2) : ((1, SBO), LBO), i.e. the 8 rows
//    of a core matrix 16 bytes apart, the next 8 rows SBO bytes on, the second 8 columns of the k16 step LBO bytes
//    on. Here the next 8 rows are the next 128 bytes (SBO = 128) and the next 8 columns the next chunk
//    (LBO = R * 16). k-step kk starts 2 * kk chunks in: + 2 * kk * R * 16 bytes. Warpgroup w's A starts at row 64w:
//    + 64w * 16 bytes.
//  * V as B of O = P V is MN-major (N = head dim contiguous, K = keys): "transpose" bit imm-trans-b = 1 (allowed for
//    .f16/.bf16 only). Canonical MN-major no-swizzle layout, in 16-byte units: ((1, n), (8, k)) : ((-, SBO), (1, LBO)),
//    i.e. 8 N-elements (16 bytes) contiguous, 8 consecutive K rows 16 bytes apart (one 128-byte core matrix), the next
//    8 N-elements SBO bytes on and the next 8 K rows LBO bytes on. V stored with R = BC key rows: the next 8 dims are
//    the next chunk (SBO = BC * 16) and the next 8 keys the next 128 bytes (LBO = 128); k-step kt (keys 16kt..)
//    starts at + 16 * kt * 16 bytes.
//  Descriptor bits (Matrix Descriptor Format): 0-13 start address >> 4, 16-29 LBO >> 4, 32-45 SBO >> 4, 49-51 base
//  offset (0), 62-63 swizzle mode (0: none).
//
// Rows per block (128), keys per tile (BC) and dynamic shared memory (smem_bytes) are mirrored on the Java side by
// AttentionKernels.wgmmaKeys and AttentionKernels.wgmmaSharedBytes (FlashAttentionWgmmaLaunchTest compares them with
// the kernel tables at the bottom).
#include "wgmma.cuh"

namespace sdj {
namespace wgmma {

constexpr int THREADS = 256;  // two warpgroups
constexpr int BR = 128;       // query rows per block, 64 per warpgroup

// Bytes of dynamic shared memory: the query tile and two stages of K and V tiles.
__host__ __device__ constexpr int smem_bytes(int DP, int BC) { return (BR + 4 * BC) * DP * 2; }

// Chunk i of a tile's cp.async copy: groups of 8 threads take 8 consecutive rows of one 16-byte chunk (one 128-byte
// core matrix, conflict-free shared stores), 4 such groups of a warp the next chunks of those rows (64 contiguous
// global bytes per row).
__host__ __device__ constexpr int chunk_row(int i, int chunks_per_row) {
  return (i >> 3) / chunks_per_row * 8 + (i & 7);
}
__host__ __device__ constexpr int chunk_col(int i, int chunks_per_row) { return (i >> 3) % chunks_per_row * 8; }


// Rows [row0, row0 + ROWS) of one head into the chunked tile dst (tile_offset with ROWS rows), zero past nrows and
// past column d. With vec (d % 8 == 0, 16-byte aligned heads) as cp.async, completed by the caller's wait; otherwise
// by plain loads and stores, complete on return.
template <typename T, int DP, int ROWS>
__device__ __forceinline__ void load_tile(T* dst, const T* src, int row0, int nrows, int d, int stride,
                                          bool vec) {
  constexpr int CH = DP / 8;
  constexpr int CHUNKS = ROWS * CH;
  if (vec) {
    const uint32_t base = smem(dst);
    const T* tile = src + (long long)row0 * stride;
    const int rows = nrows - row0;
#pragma unroll
    for (int it = 0; it < (CHUNKS + THREADS - 1) / THREADS; it++) {
      const int i = it * THREADS + threadIdx.x;
      if (CHUNKS % THREADS != 0 && i >= CHUNKS) break;
      const int r = chunk_row(i, CH);
      const int c = chunk_col(i, CH);
      const bool ok = r < rows && c < d;
      const T* p = ok ? tile + (r * stride + c) : src;
      cp_async16(base + (uint32_t)tile_offset(r, c, ROWS) * 2u, p, ok ? 16 : 0);
    }
  } else {
    for (int i = threadIdx.x; i < ROWS * DP; i += THREADS) {
      const int r = i / DP;
      const int c = i - r * DP;
      T val = from_f<T>(0.f);
      if (row0 + r < nrows && c < d) val = src[(long long)(row0 + r) * stride + c];
      dst[tile_offset(r, c, ROWS)] = val;
    }
  }
}

// This thread's two rows (g and g + 8 of its warp's 16) of the online softmax: running maxima (scaled, log2 domain)
// and this thread's share of the running sums.
struct Rows {
  float m[2] = {-INFINITY, -INFINITY};
  float l[2] = {0.f, 0.f};
};

// This thread's first row (g of warp w's 16) within its warpgroup's 64; the other is 8 rows on.
__device__ __forceinline__ int first_row() { return ((threadIdx.x >> 5) & 3) * 16 + ((threadIdx.x & 31) >> 2); }

// Where scores s of key tile k0 need a mask (keys past nk, or causal keys past some row of this warpgroup, whose
// first row is wrow), masks them (-inf) and scales the others, returning 1, the factor the exponent then applies;
// elsewhere leaves them raw and returns sc, to be applied inside the exponent's fma.
template <int BC>
__device__ __forceinline__ float mask_scores(float (&s)[BC / 2], int k0, int nk, bool causal, int wrow, float sc) {
  if (k0 + BC <= nk && !(causal && k0 + BC - 1 > wrow)) return sc;
  const int row = wrow + first_row();
  const int t = threadIdx.x & 3;
#pragma unroll
  for (int i = 0; i < BC / 2; i++) {
    const int key = k0 + (i >> 2) * 8 + t * 2 + (i & 1);
    const bool masked = key >= nk || (causal && key > row + ((i >> 1) & 1) * 8);
    s[i] = masked ? -INFINITY : s[i] * sc;
  }
  return 1.f;
}

// The new maxima of both rows with tile scores s (times tsc): sets nb (minus the new maxima, 0 for rows with none yet)
// and alpha (the factor that rescales what the old maxima weighed), and returns whether any row of the warp rose
// (warp-uniform: no rescale otherwise).
template <int BC>
__device__ __forceinline__ bool new_maxima(const float (&s)[BC / 2], float tsc, Rows& r, float (&nb)[2],
                                           float (&alpha)[2]) {
  bool grew = false;
#pragma unroll
  for (int h = 0; h < 2; h++) {
    float mx = s[2 * h];
#pragma unroll
    for (int j8 = 0; j8 < BC / 8; j8++) mx = fmaxf(mx, fmaxf(s[4 * j8 + 2 * h], s[4 * j8 + 2 * h + 1]));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
    const float mnew = fmaxf(r.m[h], mx * tsc);
    const float base = mnew == -INFINITY ? 0.f : mnew;
    alpha[h] = ex2(r.m[h] - base);
    grew |= mnew != r.m[h];
    r.m[h] = mnew;
    nb[h] = -base;
  }
  return __any_sync(0xffffffffu, grew);
}

// s := 2^(s * tsc + nb) in place, added to the rows' sums.
template <int BC>
__device__ __forceinline__ void exponentiate(float (&s)[BC / 2], float tsc, const float (&nb)[2], Rows& r) {
#pragma unroll
  for (int i = 0; i < BC / 2; i += 2) {
    const int h = (i >> 1) & 1;
    s[i] = ex2(fmaf(s[i], tsc, nb[h]));
    s[i + 1] = ex2(fmaf(s[i + 1], tsc, nb[h]));
    r.l[h] += s[i] + s[i + 1];
  }
}

// The probabilities p (accumulator layout of S) rounded to 16 bits as the A fragments of O += P V: the accumulators of
// 8-key blocks 2kt and 2kt + 1 are k-step kt's (layout notes at the top).
template <typename T, int BC>
__device__ __forceinline__ void pack_probabilities(const float (&p)[BC / 2], uint32_t (&pa)[BC / 16][4]) {
#pragma unroll
  for (int kt = 0; kt < BC / 16; kt++)
#pragma unroll
    for (int r = 0; r < 4; r++) pa[kt][r] = pack2<T>(p[8 * kt + 2 * r], p[8 * kt + 2 * r + 1]);
}

template <int DP>
__device__ __forceinline__ void rescale(float (&acc)[DP / 2], const float (&alpha)[2]) {
#pragma unroll
  for (int i = 0; i < DP / 2; i++) acc[i] *= alpha[(i >> 1) & 1];
}

// One head's tiles in shared memory: the resident query tile, then two stages of K tiles and two of V tiles, each
// chunked (tile_offset) with its own row count; and their descriptors (layout notes at the top). Advancing a
// descriptor only adds to its start address field (bits 0-13, in 16-byte units), which stays below 2^14 for shared
// addresses under 256 KiB.
template <typename T, int DP, int BC>
struct Tiles {
  static constexpr uint32_t STAGE = BC * DP * 2 / 16;  // one K or V tile, in 16-byte units
  T* q;
  T* k;  // K stage s at k + s * BC * DP, V stage s at k + (2 + s) * BC * DP
  uint64_t q_desc;  // this warpgroup's 64 rows
  uint64_t k_desc;  // stage 0
  uint64_t v_desc;  // stage 0

  __device__ __forceinline__ Tiles(unsigned char* shared, int wg) {
    q = reinterpret_cast<T*>(shared);
    k = q + BR * DP;
    // LBO and SBO follow the PTX ISA's canonical no-swizzle layouts (LBO the stride along K, SBO along M/N, in both
    // majors) and CUTLASS's make_gmma_desc. Not yet run on a GPU: should the output be wrong, swap V's two offsets
    // first (P V alone), then Q's and K's.
    q_desc = make_desc(smem(q) + 64u * wg * 16u, BR * 16, 128);
    k_desc = make_desc(smem(k), BC * 16, 128);
    v_desc = make_desc(smem(k + 2 * BC * DP), 128, BC * 16);
  }
  __device__ __forceinline__ T* k_stage(int j) { return k + (j & 1) * BC * DP; }
  __device__ __forceinline__ T* v_stage(int j) { return k + (2 + (j & 1)) * BC * DP; }

  // S = Q K^T of the key tile in stage j & 1, DP / 16 k-steps, issued (the caller commits and waits).
  __device__ __forceinline__ void issue_scores(float (&s)[BC / 2], int j) const {
    const uint64_t kd = k_desc + (uint64_t)((j & 1) * STAGE);
#pragma unroll
    for (int kk = 0; kk < DP / 16; kk++)
      WgmmaSS<T, BC>::run(s, q_desc + (uint64_t)(2 * kk * BR), kd + (uint64_t)(2 * kk * BC), kk > 0);
  }
  // O += P V of the value tile in stage j & 1, BC / 16 k-steps, issued.
  __device__ __forceinline__ void issue_values(float (&acc)[DP / 2], const uint32_t (&pa)[BC / 16][4], int j) const {
    const uint64_t vd = v_desc + (uint64_t)((j & 1) * STAGE);
#pragma unroll
    for (int kt = 0; kt < BC / 16; kt++) WgmmaRS<T, DP>::run(acc, pa[kt], vd + (uint64_t)(16 * kt), 1);
  }
};

// What a loop over the key tiles needs of its block: tiles, head, query rows, mask.
template <typename T, int DP, int BC>
struct Head {
  Tiles<T, DP, BC> tiles;
  HeadView<T> view;
  int nk;
  int ntiles;
  int wrow;  // first query row of this warpgroup
  bool causal;
  float sc;  // |scale * log2(e)|: a negative scale negated the query tile instead

  int d;

  // K or V of key tile j into its stage, as cp.async where the view is vectorizable (completed by a later wait).
  __device__ __forceinline__ void load_keys(int j) {
    load_tile<T, DP, BC>(tiles.k_stage(j), view.k, j * BC, nk, d, view.kv_stride, view.vec);
  }
  __device__ __forceinline__ void load_values(int j) {
    load_tile<T, DP, BC>(tiles.v_stage(j), view.v, j * BC, nk, d, view.kv_stride, view.vec);
  }
};

// The key tiles one after another: each tile's S, its softmax, then its O += P V, each batch of wgmma waited for
// before the next step. K and V of tile j + 1 are copied while tile j is multiplied; two barriers per tile.
template <typename T, int DP, int BC>
__device__ __forceinline__ void serial_loop(Head<T, DP, BC>& hd, float (&acc)[DP / 2], Rows& rows) {
  for (int j = 0; j < hd.ntiles; j++) {
    if (j + 1 < hd.ntiles) {
      hd.load_keys(j + 1);
      hd.load_values(j + 1);
      cp_async_commit();
      cp_async_wait<1>();  // everything but the prefetch just issued: the query tile and tile j
    } else {
      cp_async_wait<0>();
    }
    fence_async_shared();
    __syncthreads();  // tile j (and the query tile) is in shared memory for every warpgroup's wgmma

    float s[BC / 2];  // not initialised: the first k-step runs with scale-d 0, which does not read it
    wg_fence();
    hd.tiles.issue_scores(s, j);
    wg_commit();
    wg_wait<0>();
    pin(s);

    const float tsc = mask_scores<BC>(s, j * BC, hd.nk, hd.causal, hd.wrow, hd.sc);
    float nb[2];
    float alpha[2];
    if (new_maxima<BC>(s, tsc, rows, nb, alpha)) {
#pragma unroll
      for (int h = 0; h < 2; h++) rows.l[h] *= alpha[h];
      rescale<DP>(acc, alpha);
    }
    exponentiate<BC>(s, tsc, nb, rows);
    uint32_t pa[BC / 16][4];
    pack_probabilities<T, BC>(s, pa);

    pin(acc);
    pin(pa);
    wg_fence();
    hd.tiles.issue_values(acc, pa, j);
    wg_commit();
    wg_wait<0>();
    pin(acc);
    __syncthreads();  // no warpgroup still reads stage j & 1, which the next prefetch overwrites
  }
}

// Tile j's scores s (complete) through the online softmax: masked where needed, new maxima, l rescaled, s turned
// into probabilities in place and added to l. Returns whether O needs rescaling by alpha.
template <typename T, int DP, int BC>
__device__ __forceinline__ bool softmax_tile(const Head<T, DP, BC>& hd, float (&s)[BC / 2], int j, Rows& rows,
                                             float (&alpha)[2]) {
  const float tsc = mask_scores<BC>(s, j * BC, hd.nk, hd.causal, hd.wrow, hd.sc);
  float nb[2];
  const bool grew = new_maxima<BC>(s, tsc, rows, nb, alpha);
  if (grew) {
#pragma unroll
    for (int h = 0; h < 2; h++) rows.l[h] *= alpha[h];
  }
  exponentiate<BC>(s, tsc, nb, rows);
  return grew;
}

// The barrier that starts a step of pipelined_loop, then the copies of K of tile `keys` and V of tile `values` (where
// they exist), committed as one group.
template <typename T, int DP, int BC>
__device__ __forceinline__ void next_step(Head<T, DP, BC>& hd, int keys, int values) {
  cp_async_wait<0>();
  fence_async_shared();
  __syncthreads();  // the tiles this step multiplies landed; nobody reads the stages these copies overwrite
  if (keys < hd.ntiles) hd.load_keys(keys);
  if (values < hd.ntiles) hd.load_values(values);
  cp_async_commit();
}

// FlashAttention-3's intra-warpgroup pipelining: step j issues S of tile j and O += P V of tile j - 1 together, then
// runs tile j's softmax while the second product is still in flight, and waits for it only before rescaling O and
// packing P of tile j into the registers it read. K runs one tile ahead of V: step j needs K of tile j and V of tile
// j - 1, both copied during step j - 1 (K and V have two stages each), so one barrier per step suffices (after it,
// nobody reads the stages that step j's copies overwrite: K of tile j - 1, V of tile j - 2). The first step (S only)
// and the last (P V only) are peeled off, so that the steady state's wgmma batches and waits are unconditional, which
// ptxas needs to keep them asynchronous. The probabilities of tile j - 1 (pa), tile j's scores (s) and O are live
// together: more registers than serial_loop.
template <typename T, int DP, int BC>
__device__ __forceinline__ void pipelined_loop(Head<T, DP, BC>& hd, float (&acc)[DP / 2], Rows& rows) {
  const int n = hd.ntiles;
  if (n == 0) return;
  float s[BC / 2];
  uint32_t pa[BC / 16][4];
  float alpha[2];

  next_step(hd, 1, 0);
  wg_fence();
  hd.tiles.issue_scores(s, 0);
  wg_commit();
  wg_wait<0>();
  pin(s);
  softmax_tile(hd, s, 0, rows, alpha);  // O is still 0: nothing to rescale
  pack_probabilities<T, BC>(s, pa);

  for (int j = 1; j < n; j++) {
    next_step(hd, j + 1, j);
    pin(acc);
    pin(pa);
    wg_fence();
    hd.tiles.issue_scores(s, j);
    wg_commit();
    hd.tiles.issue_values(acc, pa, j - 1);
    wg_commit();
    wg_wait<1>();  // S of tile j; O += P V of tile j - 1 may still run
    pin(s);
    const bool grew = softmax_tile(hd, s, j, rows, alpha);
    wg_wait<0>();
    pin(acc);
    pin(pa);
    if (grew) rescale<DP>(acc, alpha);
    pack_probabilities<T, BC>(s, pa);
  }

  next_step(hd, n + 1, n);  // copies nothing: the barrier makes V of tile n - 1 visible
  pin(acc);
  pin(pa);
  wg_fence();
  hd.tiles.issue_values(acc, pa, n - 1);
  wg_commit();
  wg_wait<0>();
  pin(acc);
}

template <typename T, int DP, int BC, bool PIPELINED>
__device__ __forceinline__ void attention(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                          T* __restrict__ o, int nq, int nk, int heads, int d, int ldq, int ldkv,
                                          float scale_log2, int causal) {
  constexpr int SMEM = smem_bytes(DP, BC);
  static_assert(DP % 16 == 0 && BC % 16 == 0 && DP <= 256 && BC <= 256, "wgmma tile sizes");
  extern __shared__ __align__(128) unsigned char sdj_wgmma_dynamic[];
  if (dynamic_smem_size() < (uint32_t)SMEM) __trap();  // launched with less than AttentionKernels.wgmmaSharedBytes
  const int wg = threadIdx.x >> 7;
  const int q0 = blockIdx.x * BR;
  Head<T, DP, BC> hd{Tiles<T, DP, BC>(sdj_wgmma_dynamic, wg), head_view(q, k, v, o, nq, nk, heads, d, ldq, ldkv)};
  hd.nk = nk;
  hd.d = d;
  hd.ntiles = ((causal ? min(nk, q0 + BR) : nk) + BC - 1) / BC;
  hd.wrow = q0 + 64 * wg;
  hd.causal = causal != 0;
  hd.sc = fabsf(scale_log2);

  load_tile<T, DP, BR>(hd.tiles.q, hd.view.q, q0, nq, d, hd.view.q_stride, hd.view.vec);
  if (hd.ntiles > 0) {
    hd.load_keys(0);
    if (!PIPELINED) hd.load_values(0);
  }
  cp_async_commit();
  if (scale_log2 < 0.f) {
    cp_async_wait<0>();
    __syncthreads();
    uint32_t* w = reinterpret_cast<uint32_t*>(hd.tiles.q);
    for (int i = threadIdx.x; i < BR * DP / 2; i += THREADS) w[i] ^= 0x80008000u;
    // the fence and barrier at the top of the first key tile publish these stores to every warpgroup's wgmma
  }

  float acc[DP / 2];
#pragma unroll
  for (int i = 0; i < DP / 2; i++) acc[i] = 0.f;
  Rows rows;
  if constexpr (PIPELINED) {
    pipelined_loop<T, DP, BC>(hd, acc, rows);
  } else {
    serial_loop<T, DP, BC>(hd, acc, rows);
  }
  cp_async_wait<0>();  // the query tile when there were no keys

  T* ob = hd.view.o;
  const bool pairs = (d % 2 == 0) && ((reinterpret_cast<uintptr_t>(ob) & 3) == 0);
#pragma unroll
  for (int h = 0; h < 2; h++) {
    float sum = rows.l[h];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    const float inv = sum > 0.f ? 1.f / sum : 0.f;
    const int row = hd.wrow + first_row() + h * 8;
    if (row >= nq) continue;
    T* orow = ob + (long long)row * heads * d;
#pragma unroll
    for (int n = 0; n < DP / 8; n++) {
      const int col = n * 8 + (threadIdx.x & 3) * 2;
      store_pair<T>(orow, col, d, pairs, acc[4 * n + 2 * h] * inv, acc[4 * n + 2 * h + 1] * inv);
    }
  }
}

}  // namespace wgmma
}  // namespace sdj

// DP: padded head size (wgmma's N of O += P V), BC: keys per tile (N of S = Q K^T), MINB: blocks per SM for
// __launch_bounds__. AttentionKernels.wgmmaKeys and AttentionKernels.wgmmaSharedBytes mirror these tables:
// SDJ_WGMMA_ALL the serial loop (-Dsdj.cuda.attention=wgmma), SDJ_WGMMA_PIPELINED_ALL the pipelined one (benchmarks
// and tests only, until a GPU run picks one), whose smaller key tiles at some sizes leave room for its extra registers.
#define SDJ_WGMMA_KERNEL(NAME, PIPELINED, T, DP, BC, MINB)                                                       \
  extern "C" __global__ void __launch_bounds__(sdj::wgmma::THREADS, MINB)                                       \
      NAME(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads, int d, int ldq, int ldkv,       \
           float scale_log2, int causal) {                                                                      \
    sdj::wgmma::attention<T, DP, BC, PIPELINED>(q, k, v, o, nq, nk, heads, d, ldq, ldkv, scale_log2, causal);  \
  }
#define SDJ_WGMMA(T, S, DP, BC, MINB) \
  SDJ_WGMMA_KERNEL(sdj_flash_attention_wgmma_##S##_d##DP, false, T, DP, BC, MINB)
#define SDJ_WGMMA_PIPELINED(T, S, DP, BC, MINB) \
  SDJ_WGMMA_KERNEL(sdj_flash_attention_wgmma_pipelined_##S##_d##DP, true, T, DP, BC, MINB)

#define SDJ_WGMMA_ALL(T, S)       \
  SDJ_WGMMA(T, S, 48, 128, 2)     \
  SDJ_WGMMA(T, S, 64, 128, 2)     \
  SDJ_WGMMA(T, S, 80, 64, 2)      \
  SDJ_WGMMA(T, S, 128, 128, 1)    \
  SDJ_WGMMA(T, S, 160, 128, 1)

#define SDJ_WGMMA_PIPELINED_ALL(T, S)    \
  SDJ_WGMMA_PIPELINED(T, S, 48, 64, 2)   \
  SDJ_WGMMA_PIPELINED(T, S, 64, 64, 2)   \
  SDJ_WGMMA_PIPELINED(T, S, 80, 64, 2)   \
  SDJ_WGMMA_PIPELINED(T, S, 128, 128, 1) \
  SDJ_WGMMA_PIPELINED(T, S, 160, 64, 1)

SDJ_WGMMA_ALL(__half, f16)
SDJ_WGMMA_ALL(__nv_bfloat16, bf16)
SDJ_WGMMA_PIPELINED_ALL(__half, f16)
SDJ_WGMMA_PIPELINED_ALL(__nv_bfloat16, bf16)
