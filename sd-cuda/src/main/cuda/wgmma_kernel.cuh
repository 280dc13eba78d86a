// The kernel template of fused multi-head attention forward on Hopper's warpgroup tensor-core instructions
// (wgmma.mma_async, sm_90a only), FlashAttention-3's scheme: the same contract as flash_attention.cu (q [B, Nq,
// heads*d], k and v [B, Nk, heads*d], o [B, Nq, heads*d], scale passed as scale * log2(e), head size d padded with
// zeros to DP, optional causal mask, fp16 or bf16 in, float accumulation, online softmax in base 2).
// flash_attention_wgmma.cu instantiates it for sdj's kernel table, the default attention on compute capability 9.0
// (AttentionKernels; -Dsdj.cuda.attention=mma picks flash_attention.cu's mma.sync kernel instead, which runs
// everywhere else); src/test/tune/attention_tune.cu for the shapes a tuning run on a GPU compares (AttentionTune).
// The instruction wrappers and descriptors are in wgmma.cuh. The CPU emulator of the sd-cuda tests runs it
// (src/test/emu/emu_wgmma.cpp models wgmma and the bulk tensor copies; EmulatedWgmmaAttentionTest).
//
// How it is organised:
//  * Warp specialization: a producer warpgroup copies the query tile once and each key tile's K and V (bulk tensor
//    copies, TMA, issued by one thread; cp.async from all 128 where the operands are not in 16-byte pieces) into
//    stages guarded by mbarriers; two to four consumer warpgroups of 64 query rows each compute on them without
//    block-wide barriers. The producer gives registers up (setmaxnreg) for the consumers.
//  * Each consumer issues its own wgmma: S = Q K^T as m64n{BC}k16 with both operands in shared memory (descriptors),
//    then O += P V as m64n{DP}k16 with P from registers (the S accumulators rounded to 16 bits) and V from shared
//    memory, read transposed.
//  * Intra-warpgroup pipelining (pipelined_loop): S of tile j and O += P V of tile j - 1 issued together, tile j's
//    softmax while the second runs: with FLAG_OVERLAP only, since ptxas otherwise waits for the second before the
//    softmax (hold_before_wait).
//  * Ping-pong scheduling (Handover, FLAG_TURNS): the consumers take turns issuing their products (named barriers), so
//    that one's softmax runs while another's products do.
//  * The register operands of wgmma are pinned by empty volatile asm (pin) before the fence and after the wait, so that
//    the compiler neither moves a write of them past the fence nor a read of the results before the wait, nor reuses
//    the registers of P while a product still reads them.
//  * Shared memory written by threads (cp.async and plain stores are the generic proxy) is read by wgmma through the
//    async proxy: the consumers run fence.proxy.async.shared::cta after the producer's copies complete (PTX ISA,
//    "Memory Consistency Model", proxies).
//  * The softmax is flash_attention.cu's: raw scores where no key of the tile is masked (one fma and one ex2 per
//    score), masking only on the tiles that need it, the rescale skipped where no row maximum of the warp rose.
//  * Measured on an H200 (benchmarks/RESULTS.md), against the variants this file once had: one warpgroup pair
//    copying its own tiles (serial or pipelined loop) 15-40% slower; the specialized consumers without turns 1-3%
//    slower; cp.async in place of the bulk tensor copies 10-20% slower; two consumers in place of three 5% (d 40) and
//    20% (d 64) slower; a quarter of the exponentials on the FMA units 2% slower.
//  * Swizzled K and V tiles (W > 0): column blocks of 32-, 64- or 128-byte rows, one bulk copy per block, where
//    chunked tiles take one per 8 columns, each row of it 16 bytes; the query tile swizzled too (FLAG_SWIZZLED_Q).
//  * The softmax's forms (SOFTMAX, wgmma_attention.cuh): the rows' sums from a column of ones in V's padding, and that
//    with packed float16 exponentials.
//  * Clusters of two blocks (FLAG_CLUSTER, cluster.cuh), FlashAttention-3's at head sizes 128 and 256: neighbouring
//    query blocks of a head share each K and V tile, each block's producer copying half of it into both blocks'
//    stages (multicast bulk copies), so that each block reads half of K and V from L2; each consumer warp gives a stage
//    back to both producers.
//  * Persistent blocks (FLAG_PERSISTENT, persistent_attention): FlashAttention-3's static scheduler, about one block
//    per SM taking (query block, head) pairs in turn, its producer copying the next one's tiles while the consumers
//    finish the last one's.
//  * Those, other tile lengths, stages and consumers, and the flags are what the attention tuning image
//    (src/test/tune/attention_tune.cu) compares on a GPU; flash_attention_wgmma.cu's table takes the winners.
//  * Not yet (FlashAttention-3 does them): the query tile by TMA, output through shared memory with 16-byte stores.
//  * The fragment and shared-memory layouts relied on, and the shared building blocks, are in wgmma_attention.cuh;
//    the stages' handshakes (the producer's parts, Handover) in wgmma_stages.cuh.
#pragma once
#include "wgmma_stages.cuh"

namespace sdj {
namespace wgmma {

// The kernels' FLAGS: the consumers take turns (Handover's ping-pong); the query tile is swizzled as K's and V's
// tiles are (width W > 0), rather than chunked; with bulk tensor copies, the consumers leave out the proxy fence
// after each stage's wait (FlashAttention-3 and CUTLASS have none there: the copies are the async proxy's own);
// clusters of two blocks along x (neighbouring query blocks of one head) that share their K and V tiles' bulk copies,
// FlashAttention-3's choice at head sizes 128 and 256 (SDJ_CLUSTER_PAIR); the consumers give stages back by warp
// rather than by thread (Handover; clusters always do); persistent blocks (persistent_attention). Two diagnostics of
// the tuning image, whose kernels write NaN for output, time a shape's parts alone: its copies, the consumers doing
// nothing but hand the stages back (drain_loop); its products and softmax, the producer announcing K and V without
// copying them after each stage's first round. Then two blocks per SM (FLAG_TWO_BLOCKS, two consumers only): each
// with half the registers (consumers at 104, so short key tiles) and at most half the shared memory, for twice the
// warps to hide the softmax's latency (at head size 40 an SM issued in half its cycles) and twice the blocks in a wave
// (3 consumers' 352 blocks at d 40, N 4096, fill 2.67 waves of 132; two consumers' 512 on 264 places, 1.94). Then
// the softmax of tile j held under O += P V of tile j - 1 (FLAG_OVERLAP, pipelined_loop), as the loop's source says
// and ptxas does not keep by itself; ptxas compiles it without spills at every table shape. And the query tile's
// fragments held in registers for S = Q K^T (FLAG_QUERY_REGISTERS, Tiles::query_fragments): each of its k-steps then
// reads only K from shared memory, a third less than with Q too (at 112-128 keys), for DP / 4 more registers. Then
// stale maxima (FLAG_LAZY_RESCALE, new_maxima): a row takes a new maximum only when its scores top the old by more
// than 2^8, so that O's rescale, on the path from one P V's wait to the next one's issue, runs only in the first tiles.
// Then one exponential pair in eight on the FMA units (FLAG_POLY_EXP, exponentiate), where the special-function
// units set the pace (head sizes 40 and 64; float softmax forms only). Last, a third diagnostic beside the products
// alone (FLAG_NO_SOFTMAX, with FLAG_PRODUCTS_ONLY only): the softmax left out too, each tile's scores packed as its
// probabilities, so that a kernel's time is its products' and handshakes' (the tensor cores' pace at the shape); and its
// converse (FLAG_NO_PRODUCTS, with FLAG_PRODUCTS_ONLY only): the products left out, each tile's softmax taking the last
// tile's probabilities as its scores, so that a kernel's time is its softmax's and handshakes'. Beside the products
// and softmax together (FLAG_PRODUCTS_ONLY alone), the two say whether the softmax runs under the products or after
// them; with both, the handshakes alone.
constexpr int FLAG_TURNS = 1;
constexpr int FLAG_SWIZZLED_Q = 2;
constexpr int FLAG_TMA_NO_FENCE = 4;
constexpr int FLAG_CLUSTER = 8;
constexpr int FLAG_WARP_RELEASE = 16;
constexpr int FLAG_PERSISTENT = 32;
constexpr int FLAG_COPIES_ONLY = 64;
constexpr int FLAG_PRODUCTS_ONLY = 128;
constexpr int FLAG_TWO_BLOCKS = 256;
constexpr int FLAG_OVERLAP = 512;
constexpr int FLAG_QUERY_REGISTERS = 1024;
constexpr int FLAG_LAZY_RESCALE = 2048;
constexpr int FLAG_POLY_EXP = 4096;
constexpr int FLAG_NO_SOFTMAX = 8192;
constexpr int FLAG_NO_PRODUCTS = 16384;

// A consumer's wgmma batches: fence, commit and wait, or nothing where ON is false (FLAG_NO_PRODUCTS).
template <bool ON>
struct Batches {
  __device__ __forceinline__ static void fence() {
    if constexpr (ON) wg_fence();
  }
  __device__ __forceinline__ static void commit() {
    if constexpr (ON) wg_commit();
  }
  template <int N>
  __device__ __forceinline__ static void wait() {
    if constexpr (ON) wg_wait<N>();
  }
};

// FlashAttention-3's intra-warpgroup pipelining: step j issues S of tile j and O += P V of tile j - 1 together, then
// runs tile j's softmax while the second product is still in flight, and waits for it only before rescaling O and
// packing P of tile j into the registers it read. K runs one tile ahead of V: step j needs K of tile j and V of tile
// j - 1 (copies: how they arrive, Handover), and gives back K of tile j once S is done and V of tile j - 1 once P V
// is. The first step (S only) and the last (P V only) are peeled off, so that the steady state's wgmma batches and
// waits are unconditional, which ptxas needs to keep them asynchronous. The probabilities of tile j - 1 (pa), tile j's
// scores (s) and O are live together. That is the source's order; ptxas keeps it only with OVERLAP (FLAG_OVERLAP),
// which holds the softmax above the second wait (hold_before_wait). Without, ptxas moves that wait up to the softmax's
// first instructions (as the SASS of every table kernel shows): the softmax runs after O += P V, with fewer registers
// live and nothing of its own under it.
template <int SOFTMAX, int FLAGS, typename T, int DP, int BC, int STAGES, int ROWS, int W, int QW, typename Copies>
__device__ __forceinline__ void pipelined_loop(const Head<T, DP, BC, STAGES, ROWS, W, QW>& hd, const Copies& copies,
                                               float (&acc)[DP / 2], Rows& rows) {
  static_assert(SOFTMAX != SOFTMAX_F16 || std::is_same_v<T, __half>, "packed float16 exponentials for float16 only");
  constexpr bool OVERLAP = (FLAGS & FLAG_OVERLAP) != 0;
  constexpr bool QREGS = (FLAGS & FLAG_QUERY_REGISTERS) != 0;
  constexpr bool LAZY = (FLAGS & FLAG_LAZY_RESCALE) != 0;
  constexpr bool POLY = (FLAGS & FLAG_POLY_EXP) != 0;
  constexpr bool SOFTMAX_TOO = (FLAGS & FLAG_NO_SOFTMAX) == 0;
  constexpr bool PRODUCTS = (FLAGS & FLAG_NO_PRODUCTS) == 0;
  static_assert(SOFTMAX_TOO || SOFTMAX != SOFTMAX_F16, "no softmax: the scores packed as float probabilities");
  using Batch = Batches<PRODUCTS>;
  const int n = hd.ntiles;
  if (n == 0) return;
  copies.start(n);
  // QREGS (FLAG_QUERY_REGISTERS): the query tile's fragments, read once, now that start has waited for the tile; the
  // wgmma fences' and waits' memory clobbers keep them in registers rather than read again.
  uint32_t qa[QREGS ? DP / 16 : 1][4];
  if constexpr (QREGS) hd.tiles.query_fragments(qa);
  float s[BC / 2];
  if constexpr (!PRODUCTS) {
#pragma unroll
    for (int i = 0; i < BC / 2; i++) s[i] = 0.f;
  }
  // S = Q K^T of tile j into s, issued (without products, s keeps the last tile's probabilities).
  auto scores = [&](int j) {
    if constexpr (PRODUCTS && QREGS) {
      hd.tiles.issue_scores(s, qa, hd.base + j);
    } else if constexpr (PRODUCTS) {
      hd.tiles.issue_scores(s, hd.base + j);
    }
  };
  uint32_t pa[BC / 16][4];
  uint32_t ph[BC / 16][4];  // SOFTMAX_F16: tile j's probabilities until pa is free
  // O += P V of tile j, issued.
  auto values = [&](int j) {
    if constexpr (PRODUCTS) hd.tiles.issue_values(acc, pa, hd.base + j);
  };
  float alpha[2];
  // Tile j's probabilities, in s, as the A fragments of its P V.
  auto fragments = [&]() {
    if constexpr (SOFTMAX == SOFTMAX_F16) {
      move_registers(pa, ph);
    } else {
      pack_probabilities<T, BC>(s, pa);
    }
  };

  copies.ready(0);
  copies.my_turn();
  Batch::fence();
  scores(0);
  Batch::commit();
  copies.your_turn(false);
  Batch::template wait<0>();
  copies.keys_done(0);
  pin(s);
  if constexpr (SOFTMAX_TOO) softmax_tile<SOFTMAX, LAZY, POLY>(hd, s, 0, rows, alpha, ph);  // O is still 0
  fragments();

  for (int j = 1; j < n; j++) {
    copies.ready(j);
    pin(acc);
    pin(pa);
    copies.my_turn();
    Batch::fence();
    scores(j);
    Batch::commit();
    values(j - 1);
    Batch::commit();
    copies.your_turn(false);
    Batch::template wait<1>();  // S of tile j; O += P V of tile j - 1 may still run
    copies.keys_done(j);
    pin(s);
    bool grew = false;
    if constexpr (SOFTMAX_TOO) grew = softmax_tile<SOFTMAX, LAZY, POLY>(hd, s, j, rows, alpha, ph);
    if constexpr (OVERLAP) {
      // Values that depend on every exponential of the tile: the rows' sums where the threads make them.
      if constexpr (SOFTMAX == SOFTMAX_F32) {
        hold_before_wait(__float_as_uint(rows.l[0]), __float_as_uint(rows.l[1]));
      } else if constexpr (SOFTMAX == SOFTMAX_F16) {
        hold_before_wait(ph[BC / 16 - 1][2], ph[BC / 16 - 1][3]);
      } else {
        hold_before_wait(__float_as_uint(s[BC / 2 - 2]), __float_as_uint(s[BC / 2 - 1]));
      }
    }
    Batch::template wait<0>();
    copies.values_done(j - 1);
    pin(acc);
    pin(pa);
    if (grew) rescale<DP>(acc, alpha);
    fragments();
  }

  copies.ready(n);  // V of tile n - 1
  pin(acc);
  pin(pa);
  copies.my_turn();
  Batch::fence();
  values(n - 1);
  Batch::commit();
  copies.your_turn(true);
  Batch::template wait<0>();
  pin(acc);
  copies.last_values_done(n - 1);
}

// pipelined_loop's handshakes without its products and softmax (FLAG_COPIES_ONLY, a diagnostic): each stage given back
// as soon as it is in, so that a kernel's time is its copies' alone.
template <typename Copies>
__device__ __forceinline__ void drain_loop(int n, const Copies& copies) {
  if (n == 0) return;
  copies.start(n);
  for (int j = 0; j <= n; j++) {
    copies.ready(j);  // K of tile j (j < n), V of tile j - 1 (j > 0)
    copies.my_turn();
    copies.your_turn(j == n);
    if (j < n) copies.keys_done(j);
    if (j > 0 && j < n) copies.values_done(j - 1);
  }
  copies.last_values_done(n - 1);
}

// The kernel (FlashAttention-3's producer and consumers): warpgroup 0 copies Q once and the K and V tiles through
// STAGES stages each, warpgroups 1 .. CONSUMERS (64 query rows each) run pipelined_loop's steps on them. No
// block-wide barrier after the start: mbarriers hand each stage over (full: the producer's copies landed; empty: every
// consumer thread is done with it). Two consumers (128 query rows), or three (192 rows, FlashAttention-3's choice up
// to head size 96) where their loop fits 160 registers without spilling (padded head sizes 48 and 64: ptxas spills at
// 80), so that more warps share each K and V tile and more softmaxes overlap the products; or, for the tuning image,
// four (256 rows) on short key tiles, whose loop fits 120 registers (64 or 80 keys up to padded head size 64, 64 at
// 80): 16 consumer warps where three consumers have 12 (at head size 40 an SM issued in half its cycles), and 256
// query blocks of 4096 rows x 16 heads fill 1.94 waves of 132 SMs where three consumers' 352 fill 2.67.
__host__ __device__ constexpr int ws_threads(int CONSUMERS) { return 128 * (1 + CONSUMERS); }

// Bytes of dynamic shared memory: the tiles (64 query rows per consumer), then 1 + 4 * STAGES mbarriers (one more in a
// persistent kernel); with swizzled K and V tiles (W > 0), 1024 more for moving their stages onto a multiple of 1024.
__host__ __device__ constexpr int ws_smem_bytes(int DP, int BC, int STAGES, int CONSUMERS, int W,
                                                bool persistent = false) {
  return (64 * CONSUMERS + 2 * STAGES * BC) * DP * 2 + (1 + 4 * STAGES + (persistent ? 1 : 0)) * 8 +
         (W > 0 ? 1024 : 0);
}

__host__ __device__ constexpr int cluster_of(int FLAGS) { return FLAGS & FLAG_CLUSTER ? 2 : 1; }
// Blocks per SM: one, or two with FLAG_TWO_BLOCKS (two consumers).
__host__ __device__ constexpr int ws_blocks(int FLAGS) { return FLAGS & FLAG_TWO_BLOCKS ? 2 : 1; }
// Registers per thread that __launch_bounds__ leaves each thread of a block: the SM's 64K shared among its blocks'
// threads, in steps of 8 (96, 128, 168; 80 for two blocks of two consumers). ptxas gives a kernel that calls setmaxnreg
// that many, and the block's pool of registers stays that size: setmaxnreg moves registers within it.
__host__ __device__ constexpr int launch_regs(int CONSUMERS, int FLAGS = 0) {
  return 65536 / (ws_threads(CONSUMERS) * ws_blocks(FLAGS)) / 8 * 8;
}
// Registers per thread after setmaxnreg, the block's pool shared out exactly, since a claim beyond it waits forever
// (four consumers asking 120 each beside a producer at 24 hung on an H200: 64512 of a pool of 61440); the producer
// keeping what its copies need (24, setmaxnreg's least, is enough; 32 where the pool leaves it over).
__host__ __device__ constexpr int producer_regs(int CONSUMERS, int FLAGS = 0) {
  return CONSUMERS == 2 && ws_blocks(FLAGS) == 1 ? 40 : 32;
}
__host__ __device__ constexpr int consumer_regs(int CONSUMERS, int FLAGS = 0) {
  return ws_blocks(FLAGS) == 2 ? 104 : CONSUMERS == 4 ? 112 : CONSUMERS == 3 ? 160 : 232;
}
// Whether the split fits the pool (the kernel template asserts it for each instance).
__host__ __device__ constexpr bool registers_fit(int CONSUMERS, int FLAGS = 0) {
  return 128 * (producer_regs(CONSUMERS, FLAGS) + CONSUMERS * consumer_regs(CONSUMERS, FLAGS)) <=
         ws_threads(CONSUMERS) * launch_regs(CONSUMERS, FLAGS);
}

// FlashAttention-3's static persistent scheduler: a grid of about one block per SM (gridDim.x per batch item,
// blockIdx.z), block x taking the (query block, head) pairs t = x, x + gridDim.x, ... of its batch item in turn, so
// that its producer copies the next head's tiles while its consumers finish the last one's, and no block starts or
// ends between them. Needs bulk tensor copies and a positive scale (AttentionKernels launches a persistent kernel
// only with its tensor maps, and for a scale above 0): thread 0 copies K and V ahead into the stages as they free up,
// across heads (Head::base counts the key tiles before a head's); warps 1-3 copy each query tile once the consumers
// have given the last one back (q_empty). The producer builds a head's state once, before it gives its registers up,
// and moves it from head to head: built anew within its few registers, it spilled.
template <typename T, int DP, int BC, int STAGES, int CONSUMERS, int W, int SOFTMAX, int FLAGS>
__device__ __forceinline__ void persistent_attention(const T* __restrict__ q, const T* __restrict__ k,
                                                     const T* __restrict__ v, T* __restrict__ o, int nq, int nk,
                                                     int heads, int d, int ldq, int ldkv, float scale_log2,
                                                     int causal, int options, const CUtensorMap* tk,
                                                     const CUtensorMap* tv) {
  extern __shared__ __align__(128) unsigned char sdj_wgmma_ws_dynamic[];
  constexpr int ROWS = 64 * CONSUMERS;
  constexpr int QW = FLAGS & FLAG_SWIZZLED_Q ? W : 0;
  constexpr int COLS = SOFTMAX == SOFTMAX_F32 ? DP : DP - 8;
  using Block = Head<T, DP, BC, STAGES, ROWS, W, QW>;
  using Turns = Handover<STAGES, CONSUMERS, (FLAGS & FLAG_TURNS) != 0, 1, (FLAGS & FLAG_WARP_RELEASE) != 0>;
  // Bulk copies of K and V only, and a positive scale only (AttentionKernels launches the table's kernel otherwise):
  // negating the query tiles as they land, as the other kernels do for a negative scale, spilled the producer's 32
  // registers with three consumers.
  if (dynamic_smem_size() < (uint32_t)ws_smem_bytes(DP, BC, STAGES, CONSUMERS, W, true) || !(options & OPTION_TMA) ||
      scale_log2 < 0.f) {
    __trap();
  }
  const int wg = threadIdx.x >> 7;
  const int consumer = wg > 0 ? wg - 1 : 0;
  const int qblocks = (nq + ROWS - 1) / ROWS;
  const int works = qblocks * heads;
  const Handshakes<STAGES, CONSUMERS> hs{
      reinterpret_cast<uint64_t*>(Tiles<T, DP, BC, STAGES, ROWS, W, QW>(sdj_wgmma_ws_dynamic, consumer).end())};
  if (threadIdx.x == 0) {
    hs.init(1, Turns::empty_count(false), 96, CONSUMERS * 128);
    fence_mbar_init();
  }
  if constexpr (COLS < DP) {
    if (wg == 0) {
      Block any(sdj_wgmma_ws_dynamic, 0, q, k, v, o, nq, nk, heads, d, ldq, ldkv, scale_log2, causal);
      ones_column(any);
    }
  }
  __syncthreads();
  if (wg == 0) {
    // One head's state, built before the registers go, moved from head to head: its query rows, its tiles' count and
    // place in the stages' rounds.
    Block hd(sdj_wgmma_ws_dynamic, 0, q, k, v, o, nq, nk, heads, d, ldq, ldkv, scale_log2, causal, 0, 0, blockIdx.z);
    const T* const qz = hd.view.q;  // batch item blockIdx.z, head 0
    release_registers<producer_regs(CONSUMERS)>();
    // A loop of each part's own, so that each keeps live only what its copies need (one loop for both spilled with
    // three consumers' 32 registers).
    if (threadIdx.x >= 32) {
      int w = 0;
      for (int t = blockIdx.x; t < works; t += gridDim.x, w++) {
        hd.view.q = qz + (long long)(t / qblocks) * d;
        if (w > 0) mbar_wait(hs.q_empty(), (w - 1) & 1);
        produce_queries<96>(hd, hs, (t % qblocks) * ROWS, nq, false, threadIdx.x - 32);
      }
    } else if (threadIdx.x == 0) {
      const bool tile = (options & OPTION_TMA_TILE) != 0;
      for (int t = blockIdx.x; t < works; t += gridDim.x) {
        hd.head = t / qblocks;
        hd.ntiles = Block::key_tiles((t % qblocks) * ROWS, nk, causal);
        produce_keys<COLS, 1, true>(hd, hs, tk, tv, tile, 0);
        hd.base += hd.ntiles;
      }
    }
    return;
  }
  claim_registers<consumer_regs(CONSUMERS)>();
  int base = 0;  // key tiles of the block's earlier heads
  int w = 0;
  for (int t = blockIdx.x; t < works; t += gridDim.x, w++) {
    Block hd(sdj_wgmma_ws_dynamic, consumer, q, k, v, o, nq, nk, heads, d, ldq, ldkv, scale_log2, causal,
             (t % qblocks) * ROWS, t / qblocks, blockIdx.z);
    hd.base = base;
    float acc[DP / 2];
#pragma unroll
    for (int i = 0; i < DP / 2; i++) acc[i] = 0.f;
    Rows rows;
    Turns turns{hs, consumer, hd.ntiles, !(FLAGS & FLAG_TMA_NO_FENCE), false};
    turns.base = base;
    turns.round = w & 1;
    turns.more = t + (int)gridDim.x < works;
    pipelined_loop<SOFTMAX, FLAGS>(hd, turns, acc, rows);
    mbar_arrive(hs.q_empty());  // every product that read the query tile has completed
    float sums[2];
    row_sums<SOFTMAX, DP>(rows, acc, sums);
    store_rows(hd, acc, sums, nq, heads);
    base += hd.ntiles;
  }
}

template <typename T, int DP, int BC, int STAGES, int CONSUMERS, int W, int SOFTMAX, int FLAGS>
__device__ __forceinline__ void attention(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                          T* __restrict__ o, int nq, int nk, int heads, int d, int ldq, int ldkv,
                                          float scale_log2, int causal, int options, const CUtensorMap* tk,
                                          const CUtensorMap* tv) {
  static_assert(DP % 16 == 0 && BC % 16 == 0 && DP <= 256 && BC <= 256, "wgmma tile sizes");
  extern __shared__ __align__(128) unsigned char sdj_wgmma_ws_dynamic[];
  static_assert(CONSUMERS >= 2 && CONSUMERS <= 4, "two to four consumer warpgroups");
  static_assert(CONSUMERS < 4 || !(FLAGS & (FLAG_CLUSTER | FLAG_PERSISTENT | FLAG_TWO_BLOCKS)),
                "four consumers in one-block kernels (a persistent producer needs more than 24 registers)");
  static_assert(SOFTMAX == SOFTMAX_F32 || W == 0, "a column of ones in chunked tiles, whose copies leave its chunk be");
  static_assert(!(FLAGS & FLAG_SWIZZLED_Q) || W != 0, "a swizzled query tile beside swizzled K and V tiles");
  static_assert(FLAGS >= 0 && FLAGS < 32768, "the flags above");
  static_assert(!(FLAGS & (FLAG_NO_SOFTMAX | FLAG_NO_PRODUCTS)) || (FLAGS & FLAG_PRODUCTS_ONLY),
                "no softmax, no products: diagnostics of the products and softmax alone");
  static_assert(registers_fit(CONSUMERS, FLAGS), "setmaxnreg's claims within the block's registers");
  constexpr int DIAGNOSTIC = FLAGS & (FLAG_COPIES_ONLY | FLAG_PRODUCTS_ONLY);
  static_assert(DIAGNOSTIC != (FLAG_COPIES_ONLY | FLAG_PRODUCTS_ONLY) &&
                    (DIAGNOSTIC == 0 || !(FLAGS & (FLAG_CLUSTER | FLAG_WARP_RELEASE | FLAG_PERSISTENT))),
                "one diagnostic at a time, in one-block kernels given back by thread");
  static_assert(!(FLAGS & FLAG_PERSISTENT) || !(FLAGS & FLAG_CLUSTER), "persistent blocks take their heads alone");
  static_assert(!(FLAGS & FLAG_TWO_BLOCKS) || (CONSUMERS == 2 && !(FLAGS & (FLAG_CLUSTER | FLAG_PERSISTENT)) &&
                                               2 * (ws_smem_bytes(DP, BC, STAGES, CONSUMERS, W) + 1024) <= 228 * 1024),
                "two blocks per SM: two consumers each, one-block kernels, half an SM's shared memory each");
  if constexpr ((FLAGS & FLAG_PERSISTENT) != 0) {
    persistent_attention<T, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS>(q, k, v, o, nq, nk, heads, d, ldq, ldkv,
                                                                         scale_log2, causal, options, tk, tv);
    return;
  }
  constexpr int ROWS = 64 * CONSUMERS;
  constexpr int QW = FLAGS & FLAG_SWIZZLED_Q ? W : 0;
  constexpr int CLUSTER = cluster_of(FLAGS);
  if (dynamic_smem_size() < (uint32_t)ws_smem_bytes(DP, BC, STAGES, CONSUMERS, W)) __trap();
  // A cluster kernel runs in its clusters only, on the plain grid, and copies its tiles in pieces it can share (no
  // whole-tile copies).
  if (CLUSTER > 1 && (cluster_blocks() != CLUSTER || (options & OPTION_TMA_TILE) || (options >> OPTION_PLAN_SHIFT))) {
    __trap();
  }
  const int wg = threadIdx.x >> 7;
  const int consumer = wg > 0 ? wg - 1 : 0;
  const BlockRows br = block_rows<ROWS>(nq, options);
  const int q0 = br.q0;
  Head<T, DP, BC, STAGES, ROWS, W, QW> hd(sdj_wgmma_ws_dynamic, consumer, q, k, v, o, nq, nk, heads, d, ldq, ldkv,
                                      scale_log2, causal, q0, br.head, br.batch);
  if (CLUSTER > 1 && causal) {
    // Every block of a cluster takes the key tiles of its last block's rows, so that their producers copy alike.
    hd.ntiles = (min(nk, (int)(blockIdx.x / CLUSTER + 1) * CLUSTER * ROWS) + BC - 1) / BC;
  }
  const Handshakes<STAGES, CONSUMERS> hs{reinterpret_cast<uint64_t*>(hd.tiles.end())};
  const bool tma = options & OPTION_TMA;
  using Turns = Handover<STAGES, CONSUMERS, (FLAGS & FLAG_TURNS) != 0, CLUSTER,
                         (CLUSTER > 1 || (FLAGS & FLAG_WARP_RELEASE) != 0)>;
  if (threadIdx.x == 0) {
    hs.init(tma ? 1 : 128, Turns::empty_count(tma));
    fence_mbar_init();
  }
  constexpr int COLS = SOFTMAX == SOFTMAX_F32 ? DP : DP - 8;  // columns of K and V the producer copies
  if constexpr (COLS < DP) {
    if (wg == 0) ones_column(hd);
  }
  // The mbarriers (and the column of ones) are in place for everyone: in a cluster, for the other blocks' copies and
  // arrivals too.
  if constexpr (CLUSTER > 1) {
    cluster_sync();
  } else {
    __syncthreads();
  }
  if (wg == 0) {
    release_registers<producer_regs(CONSUMERS, FLAGS)>();
    produce<COLS, CLUSTER, !(FLAGS & FLAG_PRODUCTS_ONLY)>(hd, hs, q0, br.end, scale_log2 < 0.f, tma ? tk : nullptr,
                                                          tma ? tv : nullptr, (options & OPTION_TMA_TILE) != 0);
  } else {
    claim_registers<consumer_regs(CONSUMERS, FLAGS)>();
    float acc[DP / 2];
#pragma unroll
    for (int i = 0; i < DP / 2; i++) acc[i] = 0.f;
    Rows rows;
    const bool fence = !(tma && (FLAGS & FLAG_TMA_NO_FENCE));
    const Turns turns{hs, consumer, hd.ntiles, fence, tma};
    // A consumer past the block's last row (the last block of a head, or the short blocks of a row plan) only hands
    // the stages on, so that the block's others end sooner.
    const bool idle = hd.wrow >= br.end;
    if ((FLAGS & FLAG_COPIES_ONLY) != 0 || idle) {
      drain_loop(hd.ntiles, turns);
    } else {
      pipelined_loop<SOFTMAX, FLAGS>(hd, turns, acc, rows);
    }
    float sums[2];
    row_sums<SOFTMAX, DP>(rows, acc, sums);
    if constexpr (DIAGNOSTIC != 0) {
      // Not attention: say so with NaN. The sums still depend on every accumulator: where nothing read them, ptxas
      // dropped the products as dead code (a smaller cubin, a third of the compile time), and run 10 timed the
      // products-only kernel at 4.5 times the tensor cores' peak.
      float all = 0.f;
#pragma unroll
      for (int i = 0; i < DP / 2; i++) {
        all += acc[i];
        acc[i] = NAN;
      }
      sums[0] = sums[1] = all == 0.f ? 2.f : 1.f;
    }
    if (!idle) store_rows(hd, acc, sums, br.end, heads);
  }
  // No block of a cluster leaves while another may still copy into its stages or arrive on its barriers.
  if constexpr (CLUSTER > 1) cluster_sync();
}

}  // namespace wgmma
}  // namespace sdj

// One extern "C" kernel NAME of the template: its parameters as AttentionKernels passes them, the last two the tensor
// maps of K and V (AttentionKernels.tensorMaps), which the producer reads where options has OPTION_TMA. One block of
// 128 * (1 + CONSUMERS) threads per SM (two such blocks with FLAG_TWO_BLOCKS). DIMS, the kernel's cluster dimensions:
// SDJ_CLUSTER_PAIR where FLAGS has FLAG_CLUSTER (clusters of two along x, a grid of even width), else nothing. The
// rows' writers say it, since an attribute cannot test a bit of a macro argument: the table has no clusters
// (flash_attention_wgmma.cu asserts it), build-tune.sh writes each tuning row with its own. A kernel with FLAG_CLUSTER
// that runs outside clusters of two traps.
#define SDJ_CLUSTER_PAIR __cluster_dims__(2, 1, 1)
#define SDJ_WGMMA_KERNEL(T, NAME, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS, DIMS)                                  \
  extern "C" __global__ void __launch_bounds__(sdj::wgmma::ws_threads(CONSUMERS), sdj::wgmma::ws_blocks(FLAGS))        \
      DIMS                                                                                                             \
      NAME(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads, int d, int ldq, int ldkv,              \
           float scale_log2, int causal, int options, const __grid_constant__ CUtensorMap tk,                          \
           const __grid_constant__ CUtensorMap tv) {                                                                   \
    sdj::wgmma::attention<T, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS>(q, k, v, o, nq, nk, heads, d, ldq,          \
                                                                              ldkv, scale_log2, causal, options,       \
                                                                              &tk, &tv);                               \
  }
