// The building blocks of flash_attention_wgmma.cu's kernels: block and tile sizes, the chunked shared-memory tiles
// and their copies, the online softmax on wgmma's accumulator layout, the tiles' descriptors and products, and the
// output rows. The instruction wrappers are in wgmma.cuh.
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
//  * Swizzled tiles (the kernels' W for K and V, QW for the query tile; wgmma.cuh's swizzled_offset): column blocks
//    of W / 2 elements, each its rows of W bytes with the 16-byte chunks XOR-permuted within a row; the same
//    canonical layouts with a swizzle mode (Tiles has their LBO and SBO).
//  Descriptor bits (Matrix Descriptor Format): 0-13 start address >> 4, 16-29 LBO >> 4, 32-45 SBO >> 4, 49-51 base
//  offset (0), 62-63 swizzle mode (0: none, 1: 128 bytes, 2: 64, 3: 32).
//
// Rows and threads per block (64 rows and 128 threads per consumer warpgroup, 128 producer threads), keys per tile
// (BC) and dynamic shared memory (ws_smem_bytes) are mirrored on the Java side by AttentionKernels.wgmmaRows,
// wgmmaThreads, wgmmaKeys and wgmmaSharedBytes (FlashAttentionWgmmaLaunchTest compares them with the kernel table at
// the bottom of flash_attention_wgmma.cu).
#pragma once
#include "wgmma.cuh"

namespace sdj {
namespace wgmma {

// Chunk i of a tile's cp.async copy: groups of 8 threads take 8 consecutive rows of one 16-byte chunk (one 128-byte
// core matrix, conflict-free shared stores), 4 such groups of a warp the next chunks of those rows (64 contiguous
// global bytes per row).
__host__ __device__ constexpr int chunk_row(int i, int chunks_per_row) {
  return (i >> 3) / chunks_per_row * 8 + (i & 7);
}
__host__ __device__ constexpr int chunk_col(int i, int chunks_per_row) { return (i >> 3) % chunks_per_row * 8; }


// f(r, c) for each 16-byte chunk (row r, columns c .. c + 7) of a ROWS x DP tile that thread tid of NT copies,
// UNROLL at a time (the producer's few registers want 1).
template <int DP, int ROWS, int NT, int UNROLL, typename F>
__device__ __forceinline__ void for_each_chunk(int tid, F f) {
  constexpr int CH = DP / 8;
  constexpr int CHUNKS = ROWS * CH;
#pragma unroll UNROLL
  for (int it = 0; it < (CHUNKS + NT - 1) / NT; it++) {
    const int i = it * NT + tid;
    if (CHUNKS % NT != 0 && i >= CHUNKS) break;
    f(chunk_row(i, CH), chunk_col(i, CH));
  }
}

// Rows [row0, row0 + ROWS) of one head into the tile dst (stage_offset<W> with ROWS rows: chunked, or swizzled), zero
// past nrows and past column d, by the NT threads numbered tid. With vec (d % 8 == 0, 16-byte aligned heads) as
// cp.async, completed by the caller's wait; otherwise by plain loads and stores, complete on return.
template <typename T, int DP, int ROWS, int NT, int W, int UNROLL = (ROWS * DP / 8 + NT - 1) / NT>
__device__ __forceinline__ void load_tile(T* dst, const T* src, int row0, int nrows, int d, int stride, bool vec,
                                          int tid) {
  if (vec) {
    const uint32_t base = smem(dst);
    const T* tile = src + (long long)row0 * stride;
    const int rows = nrows - row0;
    for_each_chunk<DP, ROWS, NT, UNROLL>(tid, [&](int r, int c) {
      const bool ok = r < rows && c < d;
      const T* p = ok ? tile + (r * stride + c) : src;
      cp_async16(base + (uint32_t)stage_offset<W>(r, c, ROWS) * 2u, p, ok ? 16 : 0);
    });
  } else {
    // A chunk at a time too, so that the layout's offset is worked out once per 8 elements (the producer, at 32
    // registers, spilled doing it for each element of a swizzled tile).
    for_each_chunk<DP, ROWS, NT, 1>(tid, [&](int r, int c) {
      const T* p = src + (long long)(row0 + r) * stride + c;
      const bool row_ok = row0 + r < nrows;
      uint32_t w[4];
#pragma unroll
      for (int e = 0; e < 8; e += 2) {
        const float lo = row_ok && c + e < d ? to_f(p[e]) : 0.f;
        const float hi = row_ok && c + e + 1 < d ? to_f(p[e + 1]) : 0.f;
        w[e / 2] = pack2<T>(lo, hi);  // 16-bit values through float and back: exact
      }
      *reinterpret_cast<uint4*>(dst + stage_offset<W>(r, c, ROWS)) = make_uint4(w[0], w[1], w[2], w[3]);
    });
  }
}

// This thread's two rows (g and g + 8 of its warp's 16) of the online softmax: running maxima (scaled, log2 domain)
// and this thread's share of the running sums (SOFTMAX_F32 only).
struct Rows {
  float m[2] = {-INFINITY, -INFINITY};
  float l[2] = {0.f, 0.f};
};

// The forms of the softmax (the kernels' SOFTMAX parameter, WgmmaKernel.ones on the Java side):
//  * SOFTMAX_F32: float exponentials, each thread adding its share of the rows' sums (the default);
//  * SOFTMAX_ONES: float exponentials, the rows' sums made by O += P V itself from a column of ones that V's first
//    padding column holds (head sizes at least 8 short of DP: its last chunk is never copied, only set up once),
//    which takes the sums' additions off the threads and sums P as rounded for the product;
//  * SOFTMAX_F16 (float16): as SOFTMAX_ONES, with each pair of exponentials one packed float16 ex2. Not half the
//    special-function work, as it was meant to be: ptxas 13 makes each ex2.approx.f16x2 two MUFU.EX2.F16 on sm_90a
//    (scripts/sass.sh), one per half.
constexpr int SOFTMAX_F32 = 0;
constexpr int SOFTMAX_ONES = 1;
constexpr int SOFTMAX_F16 = 2;

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
// (warp-uniform: no rescale otherwise). With LAZY, a row keeps its maximum unless the tile's tops it by more than
// RESCALE_SLACK (FlashAttention-4's conditional rescaling): past the first tiles the rescale of O, DP / 2 multiplies
// between one P V's wait and the next one's issue, then rarely runs.
template <int BC, bool LAZY = false>
__device__ __forceinline__ bool new_maxima(const float (&s)[BC / 2], float tsc, Rows& r, float (&nb)[2],
                                           float (&alpha)[2]) {
  bool grew = false;
#pragma unroll
  for (int h = 0; h < 2; h++) {
    float mx = s[2 * h];
#pragma unroll
    for (int j8 = 0; j8 < BC / 8; j8++) mx = fmaxf(mx, fmaxf(s[4 * j8 + 2 * h], s[4 * j8 + 2 * h + 1]));
    float base;
    const float mnew = next_maximum<LAZY>(r.m[h], quad_reduce<MaxOp>(mx) * tsc, base, alpha[h]);
    grew |= mnew != r.m[h];
    r.m[h] = mnew;
    nb[h] = -base;
  }
  return __any_sync(0xffffffffu, grew);
}

// s := 2^(s * tsc + nb) in place, added to the rows' sums where SUMS. POLY (FLAG_POLY_EXP): one pair in eight by
// ex2_fma, for the special-function units' 16 a cycle per SM against the tensor cores' 4096 flops: at padded head
// size 48 a score's products take 192 flops, 21 scores a cycle, so ex2 sets the pace (at 64, 16: even; at 80, 13).
// (A quarter by polynomial measured 2% slower at head size 40 on an H200 in run 7, before the softmax ran under the
// products: then the issue slots, not the special-function units, were short.)
template <int BC, bool SUMS, bool POLY = false>
__device__ __forceinline__ void exponentiate(float (&s)[BC / 2], float tsc, const float (&nb)[2], Rows& r) {
#pragma unroll
  for (int i = 0; i < BC / 2; i += 2) {
    const int h = (i >> 1) & 1;
    if (POLY && (i / 2) % 8 == 7) {
      s[i] = ex2_fma(fmaf(s[i], tsc, nb[h]));
      s[i + 1] = ex2_fma(fmaf(s[i + 1], tsc, nb[h]));
    } else {
      s[i] = ex2(fmaf(s[i], tsc, nb[h]));
      s[i + 1] = ex2(fmaf(s[i + 1], tsc, nb[h]));
    }
    if (SUMS) r.l[h] += s[i] + s[i + 1];
  }
}

// SOFTMAX_F16's exponentials: 2^(s * tsc + nb) of each pair of scores as one ex2.approx.f16x2 of the exponents
// rounded to float16, which leaves the pair packed as P's A fragment wants it (pack_probabilities' order), into ph:
// registers of their own, for the caller to move into the fragments once the product reading those is done (held in
// s's, they would be s's to the next S = Q K^T, issued while that product still reads them: ptxas serializes).
// As many special-function instructions as exponentiate (two MUFU.EX2.F16 per pair in the SASS), and no sums.
template <int BC>
__device__ __forceinline__ void exponentiate_packed(const float (&s)[BC / 2], float tsc, const float (&nb)[2],
                                                    uint32_t (&ph)[BC / 16][4]) {
#pragma unroll
  for (int i = 0; i < BC / 2; i += 2) {
    const int h = (i >> 1) & 1;
    ph[i / 8][(i % 8) / 2] = ex2_h2(pack2<__half>(fmaf(s[i], tsc, nb[h]), fmaf(s[i + 1], tsc, nb[h])));
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

// Kernel option bits (the kernels' options parameter, AttentionKernels.WGMMA_TMA and WGMMA_TMA_TILE): the host passed
// tensor maps of K and V for bulk copies; and those maps are 5-d whole-tile ones (one copy per tile) rather than 4-d
// chunk ones (one copy per 8-column chunk). Above OPTION_PLAN_SHIFT, a row plan (RowPlan.option): 0 for the plain
// grid, else 1 + the full blocks per head (block_rows).
constexpr int OPTION_TMA = 1;
constexpr int OPTION_TMA_TILE = 2;
constexpr int OPTION_PLAN_SHIFT = 8;

// A block's query rows [q0, end) of head `head` of batch item `batch`.
struct BlockRows {
  int q0;
  int end;
  unsigned head;
  unsigned batch;
};

// Where this block's rows are, for blocks of ROWS rows. The plain grid (no plan in options): query block blockIdx.x of
// head blockIdx.y of item blockIdx.z. A row plan of F full blocks per head (RowPlan): the grid's blocks in their launch
// order (x, then heads, then items) take every head's F blocks of ROWS rows first, then every head's gridDim.x - F
// blocks of ROWS - 64 rows after them, so that the shorter blocks start last and fill the last wave.
template <int ROWS>
__device__ __forceinline__ BlockRows block_rows(int nq, int options) {
  const int plan = options >> OPTION_PLAN_SHIFT;
  if (plan == 0) {
    const int q0 = blockIdx.x * ROWS;
    return {q0, min(nq, q0 + ROWS), blockIdx.y, blockIdx.z};
  }
  const unsigned full = plan - 1;
  const unsigned id = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const unsigned fulls = full * gridDim.y * gridDim.z;
  unsigned item;
  int q0;
  int rows;
  if (id < fulls) {
    item = id / full;
    q0 = (id % full) * ROWS;
    rows = ROWS;
  } else {
    const unsigned part = gridDim.x - full;
    item = (id - fulls) / part;
    q0 = full * ROWS + ((id - fulls) % part) * (ROWS - 64);
    rows = ROWS - 64;
  }
  return {q0, min(nq, q0 + rows), item % gridDim.y, item / gridDim.y};
}

// One head's tiles in shared memory: the resident query tile in QW's layout (stage_offset<QW>: chunked where QW is 0,
// else swizzled with width QW and starting on a multiple of 1024 bytes), then STAGES stages of K tiles and as many of
// V tiles in W's layout (chunked where W is 0, else swizzled with width W, the stages then starting on a multiple of
// 1024 bytes), each with its own row count; and their descriptors (layout notes at the top). Advancing a descriptor
// only adds to its start address field (bits 0-13, in 16-byte units), which stays below 2^14 for shared addresses
// under 256 KiB.
template <typename T, int DP, int BC, int STAGES, int ROWS, int W, int QW>
struct Tiles {
  static constexpr uint32_t STAGE = BC * DP * 2 / 16;  // one K or V tile, in 16-byte units
  static constexpr int COPY_COLUMNS = W == 0 ? 8 : W / 2;  // columns of a K or V tile per bulk copy: a chunk, a block
  T* q;  // ROWS query rows
  T* k;  // K stage s at k + s * BC * DP, V stage s at k + (STAGES + s) * BC * DP
  uint64_t q_desc;  // this warpgroup's 64 rows
  uint64_t k_desc;  // stage 0
  uint64_t v_desc;  // stage 0

  // LBO and SBO as the PTX ISA's canonical layouts have them. No swizzle: LBO the stride along K, SBO along M/N, in
  // both majors (the reading an H200 confirmed, 2026-11-27). Swizzled (CUTLASS's make_gmma_desc agrees): K-major, the
  // 8-row groups SBO = 8 W apart along N and LBO unused (a k16 step's 32 bytes lie within a row); MN-major, the
  // E-column blocks LBO = BC W apart along N and the 8-key groups SBO = 8 W apart along K.
  __device__ __forceinline__ Tiles(unsigned char* shared, int wg) {
    static_assert(QW == 0 || (ROWS * DP * 2) % 1024 == 0, "K's stages follow a swizzled query tile on 1024 bytes");
    q = reinterpret_cast<T*>(shared);
    if constexpr (QW != 0) q = aligned_1024(q);
    k = q + ROWS * DP;
    if constexpr (W != 0) k = aligned_1024(k);  // the swizzle pattern repeats every 8 W bytes (at most 1024)
    if constexpr (QW == 0) {
      q_desc = make_desc(smem(q) + 64u * wg * 16u, ROWS * 16, 128);
    } else {
      q_desc = make_desc(smem(q) + 64u * wg * QW, 16, 8 * QW, QW);
    }
    if constexpr (W == 0) {
      k_desc = make_desc(smem(k), BC * 16, 128);
      v_desc = make_desc(smem(k + STAGES * BC * DP), 128, BC * 16);
    } else {
      k_desc = make_desc(smem(k), 16, 8 * W, W);
      v_desc = make_desc(smem(k + STAGES * BC * DP), BC * W, 8 * W, W);
    }
  }
  // From a K-major tile's descriptor (R rows, swizzle X) to its k-step kk (head columns 16 kk ..), in 16-byte units:
  // two chunks on, or into the next block and 32 bytes along a row.
  template <int R, int X>
  __host__ __device__ static constexpr uint32_t major_k_step(int kk) {
    return X == 0 ? 2 * kk * R : ((16 * kk / (X / 2)) * R * X + (16 * kk % (X / 2)) * 2) / 16;
  }
  __host__ __device__ static constexpr uint32_t k_step(int kk) { return major_k_step<BC, W>(kk); }
  __host__ __device__ static constexpr uint32_t q_step(int kk) { return major_k_step<ROWS, QW>(kk); }
  // p moved up to the next multiple of 1024 bytes.
  __device__ __forceinline__ static T* aligned_1024(T* p) {
    const uint32_t a = smem(p);
    return p + (((a + 1023u) & ~1023u) - a) / sizeof(T);
  }
  // From a V tile's descriptor to its k-step kt (keys 16 kt ..), in 16-byte units: 16 rows on.
  __host__ __device__ static constexpr uint32_t v_step(int kt) { return W == 0 ? 16 * kt : kt * W; }
  // The end of the tiles: where the kernel keeps its mbarriers.
  __device__ __forceinline__ T* end() const { return k + 2 * STAGES * BC * DP; }
  __device__ __forceinline__ T* k_stage(int j) { return k + (j % STAGES) * BC * DP; }
  __device__ __forceinline__ T* v_stage(int j) { return k + (STAGES + j % STAGES) * BC * DP; }

  // S = Q K^T of key tile j (in stage j % STAGES), DP / 16 k-steps, issued (the caller commits and waits).
  __device__ __forceinline__ void issue_scores(float (&s)[BC / 2], int j) const {
    const uint64_t kd = k_desc + (uint64_t)((j % STAGES) * STAGE);
#pragma unroll
    for (int kk = 0; kk < DP / 16; kk++)
      WgmmaSS<T, BC>::run(s, q_desc + (uint64_t)q_step(kk), kd + (uint64_t)k_step(kk), kk > 0);
  }
  // This thread's A fragments of its warpgroup's 64 query rows, for S = Q K^T with the query from registers
  // (FLAG_QUERY_REGISTERS: each k-step then reads K alone from shared memory, not Q too): k-step kk's registers hold
  // rows g and g + 8 of the warp's 16 (first_row), columns 16 kk + 2 t, + 1 in registers 0 and 1 and 16 kk + 2 t + 8,
  // + 9 in 2 and 3 (t = lane % 4), as pack_probabilities lays out P. Consumer c is warpgroup c + 1 of the block.
  __device__ __forceinline__ void query_fragments(uint32_t (&qa)[DP / 16][4]) const {
    const int r0 = 64 * ((int)(threadIdx.x >> 7) - 1) + first_row();
    const int c0 = 2 * (threadIdx.x & 3);
#pragma unroll
    for (int kk = 0; kk < DP / 16; kk++)
#pragma unroll
      for (int r = 0; r < 4; r++) {
        const int row = r0 + 8 * (r & 1), col = 16 * kk + c0 + 8 * (r >> 1);
        qa[kk][r] = *reinterpret_cast<const uint32_t*>(q + stage_offset<QW>(row, col, ROWS));
      }
  }
  // S = Q K^T of key tile j as issue_scores, the query from its fragments (query_fragments).
  __device__ __forceinline__ void issue_scores(float (&s)[BC / 2], const uint32_t (&qa)[DP / 16][4], int j) const {
    const uint64_t kd = k_desc + (uint64_t)((j % STAGES) * STAGE);
#pragma unroll
    for (int kk = 0; kk < DP / 16; kk++) WgmmaRS<T, BC, false>::run(s, qa[kk], kd + (uint64_t)k_step(kk), kk > 0);
  }
  // O += P V of value tile j, BC / 16 k-steps, issued.
  __device__ __forceinline__ void issue_values(float (&acc)[DP / 2], const uint32_t (&pa)[BC / 16][4], int j) const {
    const uint64_t vd = v_desc + (uint64_t)((j % STAGES) * STAGE);
#pragma unroll
    for (int kt = 0; kt < BC / 16; kt++) WgmmaRS<T, DP>::run(acc, pa[kt], vd + (uint64_t)v_step(kt), 1);
  }
};

// What a loop over the key tiles needs of its block: tiles, head, query rows (ROWS per block), mask.
template <typename T, int DP, int BC, int STAGES, int ROWS, int W, int QW>
struct Head {
  Tiles<T, DP, BC, STAGES, ROWS, W, QW> tiles;
  HeadView<T> view;
  int nk;
  int ntiles;
  int base = 0;  // key tiles the block took before this head's (persistent kernels): where its stages' rounds stand
  unsigned head;
  unsigned batch;
  int wrow;  // first query row of this warpgroup
  bool causal;
  float sc;  // |scale * log2(e)|: a negative scale negated the query tile instead
  int d;

  // The query block of head hi of batch item bi whose rows start at q0 (the block's blockIdx where not given) for
  // computing warpgroup `group` (query rows 64 * group .. of the block's), its tiles in `shared`; the kernels'
  // parameters as they take them.
  __device__ __forceinline__ Head(unsigned char* shared, int group, const T* q, const T* k, const T* v,
                                  T* o, int nq, int nk_, int heads, int d_, int ldq, int ldkv, float scale_log2,
                                  int causal_, int q0 = blockIdx.x * ROWS, unsigned hi = blockIdx.y,
                                  unsigned bi = blockIdx.z)
      : tiles(shared, group), view(head_view(q, k, v, o, nq, nk_, heads, d_, ldq, ldkv, hi, bi)) {
    head = hi;
    batch = bi;
    nk = nk_;
    d = d_;
    ntiles = key_tiles(q0, nk_, causal_);
    wrow = q0 + 64 * group;
    causal = causal_ != 0;
    sc = fabsf(scale_log2);
  }

  // The key tiles of the block whose query rows start at q0: all, or causally those up to its last row.
  __device__ __forceinline__ static int key_tiles(int q0, int nk, bool causal) {
    return ((causal ? min(nk, q0 + ROWS) : nk) + BC - 1) / BC;
  }

  // Columns [0, COLS) of K or V of key tile j into its stage by the NT threads numbered tid, as cp.async where the
  // view is vectorizable (completed by a later wait).
  template <int NT, int UNROLL, int COLS>
  __device__ __forceinline__ void load_keys(int j, int tid) {
    load_tile<T, COLS, BC, NT, W, UNROLL>(tiles.k_stage(base + j), view.k, j * BC, nk, d, view.kv_stride, view.vec,
                                          tid);
  }
  template <int NT, int UNROLL, int COLS>
  __device__ __forceinline__ void load_values(int j, int tid) {
    load_tile<T, COLS, BC, NT, W, UNROLL>(tiles.v_stage(base + j), view.v, j * BC, nk, d, view.kv_stride, view.vec,
                                          tid);
  }
};

// Tile j's scores s (complete) through the online softmax (SOFTMAX's form): masked where needed, new maxima, l
// rescaled, s turned into probabilities in place and added to l (SOFTMAX_F32), or not added (the other forms, whose
// O holds the sums), or into packed float16 pairs in ph (SOFTMAX_F16). Returns whether O needs rescaling by alpha.
// LAZY: new_maxima's; not with SOFTMAX_F16, whose exponents, rounded to float16, would then be off by up to 2^-9
// (0.14% of the probability) where the probabilities weigh most. POLY: exponentiate's, float forms only.
template <int SOFTMAX, bool LAZY, bool POLY, typename T, int DP, int BC, int STAGES, int ROWS, int W, int QW>
__device__ __forceinline__ bool softmax_tile(const Head<T, DP, BC, STAGES, ROWS, W, QW>& hd, float (&s)[BC / 2],
                                             int j, Rows& rows, float (&alpha)[2], uint32_t (&ph)[BC / 16][4]) {
  const float tsc = mask_scores<BC>(s, j * BC, hd.nk, hd.causal, hd.wrow, hd.sc);
  float nb[2];
  static_assert(!(LAZY || POLY) || SOFTMAX != SOFTMAX_F16, "stale maxima and polynomials with float exponents only");
  const bool grew = new_maxima<BC, LAZY>(s, tsc, rows, nb, alpha);
  if constexpr (SOFTMAX == SOFTMAX_F16) {
    exponentiate_packed<BC>(s, tsc, nb, ph);
  } else if constexpr (SOFTMAX == SOFTMAX_ONES) {
    exponentiate<BC, false, POLY>(s, tsc, nb, rows);
  } else {
    if (grew) {
#pragma unroll
      for (int h = 0; h < 2; h++) rows.l[h] *= alpha[h];
    }
    exponentiate<BC, true, POLY>(s, tsc, nb, rows);
  }
  return grew;
}

// Both rows' whole sums: this thread's shares added over the 4 threads of each row (SOFTMAX_F32), or O's column
// DP - 8 (the column of ones' products), which the row's first thread holds.
template <int SOFTMAX, int DP>
__device__ __forceinline__ void row_sums(const Rows& rows, const float (&acc)[DP / 2], float (&sums)[2]) {
#pragma unroll
  for (int h = 0; h < 2; h++) {
    if constexpr (SOFTMAX == SOFTMAX_F32) {
      sums[h] = quad_reduce<SumOp>(rows.l[h]);
    } else {
      sums[h] = __shfl_sync(0xffffffffu, acc[4 * (DP / 8 - 1) + 2 * h], (threadIdx.x & 31) & ~3);
    }
  }
}

// This thread's two rows of O, normalised by the rows' sums (row_sums; 0 where a row saw no key), those below nq.
template <typename T, int DP, int BC, int STAGES, int ROWS, int W, int QW>
__device__ __forceinline__ void store_rows(const Head<T, DP, BC, STAGES, ROWS, W, QW>& hd,
                                           const float (&acc)[DP / 2], const float (&sums)[2], int nq, int heads) {
  T* ob = hd.view.o;
  const bool pairs = (hd.d % 2 == 0) && ((reinterpret_cast<uintptr_t>(ob) & 3) == 0);
#pragma unroll
  for (int h = 0; h < 2; h++) {
    const float sum = sums[h];
    const float inv = sum > 0.f ? 1.f / sum : 0.f;
    const int row = hd.wrow + first_row() + h * 8;
    if (row >= nq) continue;
    T* orow = ob + (long long)row * heads * hd.d;
#pragma unroll
    for (int n = 0; n < DP / 8; n++) {
      const int col = n * 8 + (threadIdx.x & 3) * 2;
      store_pair<T>(orow, col, hd.d, pairs, acc[4 * n + 2 * h] * inv, acc[4 * n + 2 * h + 1] * inv);
    }
  }
}

}  // namespace wgmma
}  // namespace sdj
