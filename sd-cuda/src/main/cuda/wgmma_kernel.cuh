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
//    stages guarded by mbarriers; two or three consumer warpgroups of 64 query rows each compute on them without
//    block-wide barriers. The producer gives registers up (setmaxnreg) for the consumers.
//  * Each consumer issues its own wgmma: S = Q K^T as m64n{BC}k16 with both operands in shared memory (descriptors),
//    then O += P V as m64n{DP}k16 with P from registers (the S accumulators rounded to 16 bits) and V from shared
//    memory, read transposed.
//  * Intra-warpgroup pipelining (pipelined_loop): S of tile j and O += P V of tile j - 1 issued together, tile j's
//    softmax while the second runs.
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
//  * The fragment and shared-memory layouts relied on, and the shared building blocks, are in wgmma_attention.cuh.
#pragma once
#include "cluster.cuh"
#include "wgmma_attention.cuh"

namespace sdj {
namespace wgmma {

// FlashAttention-3's intra-warpgroup pipelining: step j issues S of tile j and O += P V of tile j - 1 together, then
// runs tile j's softmax while the second product is still in flight, and waits for it only before rescaling O and
// packing P of tile j into the registers it read. K runs one tile ahead of V: step j needs K of tile j and V of tile
// j - 1 (copies: how they arrive, Handover), and gives back K of tile j once S is done and V of tile j - 1 once P V
// is. The first step (S only) and the last (P V only) are peeled off, so that the steady state's wgmma batches and
// waits are unconditional, which ptxas needs to keep them asynchronous. The probabilities of tile j - 1 (pa), tile j's
// scores (s) and O are live together.
template <int SOFTMAX, typename T, int DP, int BC, int STAGES, int ROWS, int W, int QW, typename Copies>
__device__ __forceinline__ void pipelined_loop(const Head<T, DP, BC, STAGES, ROWS, W, QW>& hd, const Copies& copies,
                                               float (&acc)[DP / 2], Rows& rows) {
  static_assert(SOFTMAX != SOFTMAX_F16 || std::is_same_v<T, __half>, "packed float16 exponentials for float16 only");
  const int n = hd.ntiles;
  if (n == 0) return;
  copies.start(n);
  float s[BC / 2];
  uint32_t pa[BC / 16][4];
  uint32_t ph[BC / 16][4];  // SOFTMAX_F16: tile j's probabilities until pa is free
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
  wg_fence();
  hd.tiles.issue_scores(s, hd.base);
  wg_commit();
  copies.your_turn(false);
  wg_wait<0>();
  copies.keys_done(0);
  pin(s);
  softmax_tile<SOFTMAX>(hd, s, 0, rows, alpha, ph);  // O is still 0: nothing to rescale
  fragments();

  for (int j = 1; j < n; j++) {
    copies.ready(j);
    pin(acc);
    pin(pa);
    copies.my_turn();
    wg_fence();
    hd.tiles.issue_scores(s, hd.base + j);
    wg_commit();
    hd.tiles.issue_values(acc, pa, hd.base + j - 1);
    wg_commit();
    copies.your_turn(false);
    wg_wait<1>();  // S of tile j; O += P V of tile j - 1 may still run
    copies.keys_done(j);
    pin(s);
    const bool grew = softmax_tile<SOFTMAX>(hd, s, j, rows, alpha, ph);
    wg_wait<0>();
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
  wg_fence();
  hd.tiles.issue_values(acc, pa, hd.base + n - 1);
  wg_commit();
  copies.your_turn(true);
  wg_wait<0>();
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
// 80), so that more warps share each K and V tile and more softmaxes overlap the products.
__host__ __device__ constexpr int ws_threads(int CONSUMERS) { return 128 * (1 + CONSUMERS); }
// Registers per thread after setmaxnreg: the block's 64K shared out, the producer keeping what its copies need.
__host__ __device__ constexpr int producer_regs(int CONSUMERS) { return CONSUMERS == 3 ? 32 : 40; }
__host__ __device__ constexpr int consumer_regs(int CONSUMERS) { return CONSUMERS == 3 ? 160 : 232; }

// Bytes of dynamic shared memory: the tiles (64 query rows per consumer), then 1 + 4 * STAGES mbarriers (one more in a
// persistent kernel); with swizzled K and V tiles (W > 0), 1024 more for moving their stages onto a multiple of 1024.
__host__ __device__ constexpr int ws_smem_bytes(int DP, int BC, int STAGES, int CONSUMERS, int W,
                                                bool persistent = false) {
  return (64 * CONSUMERS + 2 * STAGES * BC) * DP * 2 + (1 + 4 * STAGES + (persistent ? 1 : 0)) * 8 +
         (W > 0 ? 1024 : 0);
}

// The mbarriers after the tiles: the query tile's, then per stage K full, V full, K empty, V empty, then in a
// persistent kernel the query tile's empty one. Key tile j (counted over the block's heads: Head::base) uses stage
// j % STAGES for the (j / STAGES)-th time: the parity of that phase is round(j). The block's w-th head uses the query
// tile's barriers for the w-th time.
template <int STAGES, int CONSUMERS>
struct Handshakes {
  uint64_t* bars;
  __device__ __forceinline__ uint64_t* q_full() const { return bars; }
  __device__ __forceinline__ uint64_t* k_full(int j) const { return bars + 1 + j % STAGES; }
  __device__ __forceinline__ uint64_t* v_full(int j) const { return bars + 1 + STAGES + j % STAGES; }
  __device__ __forceinline__ uint64_t* k_empty(int j) const { return bars + 1 + 2 * STAGES + j % STAGES; }
  __device__ __forceinline__ uint64_t* v_empty(int j) const { return bars + 1 + 3 * STAGES + j % STAGES; }
  __device__ __forceinline__ uint64_t* q_empty() const { return bars + 1 + 4 * STAGES; }
  __device__ __forceinline__ static int round(int j) { return (j / STAGES) & 1; }

  // full_count: the arrivals that fill a K or V stage (the producer's 128 threads, or its one thread that issues bulk
  // tensor copies and announces their bytes); empty_count: those that give it back (Handover::give_back); q_count:
  // those that fill the query tile (the producer threads that copy it); q_empty_count: those that give it back
  // (persistent kernels; 0: none).
  __device__ __forceinline__ void init(int full_count, int empty_count, int q_count = 128,
                                       int q_empty_count = 0) const {
    mbar_init(q_full(), q_count);
    if (q_empty_count > 0) mbar_init(q_empty(), q_empty_count);
    for (int s = 0; s < STAGES; s++) {
      mbar_init(k_full(s), full_count);
      mbar_init(v_full(s), full_count);
      mbar_init(k_empty(s), empty_count);
      mbar_init(v_empty(s), empty_count);
    }
  }
};

// The producer thread's arrival on a full barrier: once its copies landed (cp.async; the consumers fence the async
// proxy after their wait), or now (plain stores: this thread fences them for the consumers' wgmma, then arrives).
__device__ __forceinline__ void filled(uint64_t* bar, bool vec) {
  if (vec) {
    cp_async_mbar_arrive(bar);
  } else {
    fence_async_shared();
    mbar_arrive(bar);
  }
}

// The producer warpgroup's parts. The query tile: its rows by the NT producer threads numbered tid (cp.async where
// the view allows, else plain loads), a negative scale folded into them (each thread negates what it copied), then
// their arrivals on the query tile's full barrier.
template <int NT, typename T, int DP, int BC, int STAGES, int ROWS, int W, int QW, int CONSUMERS>
__device__ __forceinline__ void produce_queries(Head<T, DP, BC, STAGES, ROWS, W, QW>& hd,
                                                const Handshakes<STAGES, CONSUMERS>& hs, int q0, int nq, bool negate,
                                                int tid) {
  const bool vec = hd.view.vec;
  load_tile<T, DP, ROWS, NT, QW, 1>(hd.tiles.q, hd.view.q, q0, nq, hd.d, hd.view.q_stride, vec, tid);
  if (negate) {
    if (vec) {
      cp_async_commit();
      cp_async_wait<0>();
      for_each_chunk<DP, ROWS, NT, 1>(tid, [&](int r, int c) {
        uint32_t* w = reinterpret_cast<uint32_t*>(hd.tiles.q + stage_offset<QW>(r, c, ROWS));
        for (int i = 0; i < 4; i++) w[i] ^= 0x80008000u;
      });
    } else {
      for (int i = tid; i < ROWS * DP; i += NT) {
        T* x = hd.tiles.q + stage_offset<QW>(i / DP, i % DP, ROWS);
        *x = from_f<T>(-to_f(*x));
      }
    }
    fence_async_shared();
    mbar_arrive(hs.q_full());
  } else {
    filled(hs.q_full(), vec);
  }
}

// Each key tile's K and V into their stages as the consumers give them back. With tensor maps (tk, tv: the kernel's
// OPTION_TMA), by one thread, as bulk tensor copies announcing the tile's bytes on its full barrier. Where `tile`
// (OPTION_TMA_TILE, chunked tiles only), one copy per tile: the 5-d box (8 columns, BC rows, DP / 8 chunks) lands
// chunk after chunk, each its BC rows of 16 bytes, the tile layout; else one copy per COPY_COLUMNS columns (a 4-d box
// of them x BC rows): per 8-column chunk, or per swizzled block, which the map's swizzle lays out. Rows past nk and
// columns past d arrive as zeros. Without maps, by the producer's 128 threads (tid; cp.async or plain stores). COLS of
// the DP columns: all, or all but the last chunk, which SOFTMAX_ONES and _F16 set up once (ones_column). In a cluster
// of CLUSTER blocks with maps, the blocks share each tile: block r copies the tile's copies c with c % CLUSTER == r,
// each multicast into every block's stage, so that every block's stage gets the whole tile, its full barrier all its
// bytes, and each block reads a CLUSTER-th of K and V from L2.
template <int COLS, int CLUSTER, bool COPY, typename T, int DP, int BC, int STAGES, int ROWS, int W, int QW,
          int CONSUMERS>
__device__ __forceinline__ void produce_keys(Head<T, DP, BC, STAGES, ROWS, W, QW>& hd,
                                             const Handshakes<STAGES, CONSUMERS>& hs, const CUtensorMap* tk,
                                             const CUtensorMap* tv, bool tile, int tid) {
  if (tk != nullptr) {
    constexpr int TILE_BYTES = BC * COLS * 2;
    // One tile of K or V (map) into stage dst, completing on bar.
    constexpr int CC = Tiles<T, DP, BC, STAGES, ROWS, W, QW>::COPY_COLUMNS;
    auto copy = [&](T* dst, const CUtensorMap* map, int j, uint64_t* bar) {
      if constexpr (CLUSTER > 1) {
        const int rank = cluster_rank();
#pragma unroll 1
        for (int c = rank; c < COLS / CC; c += CLUSTER) {
          tma_load_multicast(dst + c * BC * CC, map, CC * c, hd.head, j * BC, hd.batch, bar,
                             (uint16_t)((1 << CLUSTER) - 1));
        }
      } else if (W == 0 && COLS == DP && tile) {
        tma_load5(dst, map, 0, j * BC, 0, hd.head, hd.batch, bar);
      } else {
#pragma unroll 1
        for (int c = 0; c < COLS / CC; c++) {
          tma_load(dst + c * BC * CC, map, CC * c, hd.head, j * BC, hd.batch, bar);
        }
      }
    };
    for (int j = 0; j < hd.ntiles; j++) {
      const int g = hd.base + j;
      mbar_wait(hs.k_empty(g), hs.round(g) ^ 1);
      if (COPY) {
        mbar_expect_bytes(hs.k_full(g), TILE_BYTES);
        copy(hd.tiles.k_stage(g), tk, j, hs.k_full(g));
      } else {
        mbar_arrive(hs.k_full(g));
      }
      mbar_wait(hs.v_empty(g), hs.round(g) ^ 1);
      if (COPY) {
        mbar_expect_bytes(hs.v_full(g), TILE_BYTES);
        copy(hd.tiles.v_stage(g), tv, j, hs.v_full(g));
      } else {
        mbar_arrive(hs.v_full(g));
      }
    }
    return;
  }
  const bool vec = hd.view.vec;
  for (int j = 0; j < hd.ntiles; j++) {
    const int g = hd.base + j;
    mbar_wait(hs.k_empty(g), hs.round(g) ^ 1);
    if (COPY) hd.template load_keys<128, 2, COLS>(j, tid);
    filled(hs.k_full(g), vec);
    mbar_wait(hs.v_empty(g), hs.round(g) ^ 1);
    if (COPY) hd.template load_values<128, 2, COLS>(j, tid);
    filled(hs.v_full(g), vec);
  }
}

// The producer warpgroup of a block of one head: the query tile by all 128 threads, then K and V by one of them (bulk
// tensor copies; the other 127 are done) or all of them; without COPY (FLAG_PRODUCTS_ONLY, a diagnostic), K and V are
// announced without being copied.
template <int COLS, int CLUSTER, bool COPY, typename T, int DP, int BC, int STAGES, int ROWS, int W, int QW,
          int CONSUMERS>
__device__ __forceinline__ void produce(Head<T, DP, BC, STAGES, ROWS, W, QW>& hd,
                                        const Handshakes<STAGES, CONSUMERS>& hs, int q0, int nq, bool negate,
                                        const CUtensorMap* tk, const CUtensorMap* tv, bool tile) {
  const int tid = threadIdx.x;  // warpgroup 0
  produce_queries<128>(hd, hs, q0, nq, negate, tid);
  if (tk == nullptr || tid == 0) produce_keys<COLS, CLUSTER, COPY>(hd, hs, tk, tv, tile, tid);
}

// How pipelined_loop's steps get their tiles in a consumer warpgroup: from the producer through the full mbarriers,
// giving each stage back (empty) as soon as its product has completed; and FlashAttention-3's ping-pong scheduling of
// the consumers: they take turns, each issuing a step's products only after
// the one before it has issued its own (named barrier 1 + c is consumer c's turn, 256 threads: its own 128 waiting,
// its predecessor's 128 arriving), so that one's softmax runs while another's products do. Consumer 0 goes first,
// granted by the last consumer at the start; the last leaves out its last handover, so that no barrier is left
// half-arrived. Without PINGPONG the consumers issue as soon as their tiles are in (FlashAttention-3 turns it off from
// head size 160). Each consumer thread gives a stage back (an mbarrier arrival) once its products that read it have
// completed; with BY_WARP, each warp does once all its lanes have (a 32nd of the arrivals; CUTLASS's pipelines have one
// per warpgroup, which takes wgmma's completion as the warpgroup's, as the emulator does not). In a cluster (CLUSTER
// > 1, always BY_WARP), to this block's producer and, where the blocks share their tiles (multicast), every other's.
template <int STAGES, int CONSUMERS, bool PINGPONG, int CLUSTER, bool BY_WARP>
struct Handover {
  static_assert(CLUSTER == 1 || BY_WARP, "a cluster's blocks give stages back by warp");
  Handshakes<STAGES, CONSUMERS> hs;
  int me;  // consumer 0 .. CONSUMERS - 1
  int n;   // key tiles
  bool fence;  // whether the producer's copies of K and V go through the generic proxy (see ready)
  bool multicast;  // CLUSTER > 1: whether the cluster's producers fill every block's stages together
  int base = 0;  // key tiles the block took before this head's (Head::base)
  int round = 0;  // the parity of the query tile's phase for this head (the block's w-th: w & 1)
  bool more = false;  // whether the block takes another head after this one (persistent kernels)

  // The arrivals that empty a stage: every consumer thread or warp of each block whose producer fills it.
  __host__ __device__ static constexpr int empty_count(bool multicast) {
    return (multicast ? CLUSTER : 1) * CONSUMERS * (BY_WARP ? 4 : 128);
  }

  __device__ __forceinline__ void start(int) const {
    mbar_wait(hs.q_full(), round);
    fence_async_shared();  // the query tile's copies (cp.async: the generic proxy) before the first wgmma reads them
    if (PINGPONG && me == CONSUMERS - 1) named_barrier_arrive(1, 256);
  }
  __device__ __forceinline__ void ready(int j) const {
    const int g = base + j;
    if (j < n) mbar_wait(hs.k_full(g), hs.round(g));
    if (j > 0) mbar_wait(hs.v_full(g - 1), hs.round(g - 1));
    // The producer's copies (generic proxy) before this thread's wgmma reads (async proxy). Bulk tensor copies write
    // through the async proxy themselves, whose completion the mbarrier wait has seen.
    if (fence) fence_async_shared();
  }
  __device__ __forceinline__ void keys_done(int j) const { give_back(hs.k_empty(base + j)); }
  __device__ __forceinline__ void values_done(int j) const { give_back(hs.v_empty(base + j)); }
  // The last V stage goes back only where the block's producer will fill it again: for another head.
  __device__ __forceinline__ void last_values_done(int j) const {
    if (more) values_done(j);
  }
  __device__ __forceinline__ void give_back(uint64_t* bar) const {
    if constexpr (!BY_WARP) {
      mbar_arrive(bar);
    } else {
      __syncwarp();  // every lane's products that read the stage have completed
      if ((threadIdx.x & 31) == 0) {
        if constexpr (CLUSTER == 1) {
          mbar_arrive(bar);
        } else {
          const int rank = cluster_rank();
          for (int r = 0; r < CLUSTER; r++) {
            if (r == rank) {
              mbar_arrive(bar);
            } else if (multicast) {
              mbar_arrive_cluster(map_shared(bar, r));
            }
          }
        }
      }
    }
  }
  __device__ __forceinline__ void my_turn() const {
    if (PINGPONG) named_barrier_sync(1 + me, 256);
  }
  __device__ __forceinline__ void your_turn(bool last) const {
    if (PINGPONG && !(last && me == CONSUMERS - 1)) named_barrier_arrive(1 + (me + 1) % CONSUMERS, 256);
  }
};

// SOFTMAX_ONES and _F16: the last chunk (8 columns) of every K and V stage set up once, never copied: zeros in K
// (the queries' padding columns are zeros too, so they add nothing to S), and in V a 1 in its first column (DP - 8),
// whose column of O += P V then sums P. By the producer's 128 threads, a row at a time, in the stages' layout (W),
// for the consumers' wgmma (async proxy) reads.
template <typename T, int DP, int BC, int STAGES, int ROWS, int W, int QW>
__device__ __forceinline__ void ones_column(Head<T, DP, BC, STAGES, ROWS, W, QW>& hd) {
  const uint32_t one = pack2<T>(1.f, 0.f);
  for (int j = 0; j < STAGES; j++) {
    for (int r = threadIdx.x; r < BC; r += 128) {
      *reinterpret_cast<uint4*>(hd.tiles.k_stage(j) + stage_offset<W>(r, DP - 8, BC)) = make_uint4(0, 0, 0, 0);
      *reinterpret_cast<uint4*>(hd.tiles.v_stage(j) + stage_offset<W>(r, DP - 8, BC)) = make_uint4(one, 0, 0, 0);
    }
  }
  fence_async_shared();
}

// The kernels' FLAGS: the consumers take turns (Handover's ping-pong); the query tile is swizzled as K's and V's
// tiles are (width W > 0), rather than chunked; with bulk tensor copies, the consumers leave out the proxy fence
// after each stage's wait (FlashAttention-3 and CUTLASS have none there: the copies are the async proxy's own);
// clusters of two blocks along x (neighbouring query blocks of one head) that share their K and V tiles' bulk copies,
// FlashAttention-3's choice at head sizes 128 and 256 (SDJ_CLUSTER_DIMS); the consumers give stages back by warp
// rather than by thread (Handover; clusters always do); persistent blocks (persistent_attention). Two diagnostics of
// the tuning image, whose kernels write NaN for output, time a shape's parts alone: its copies, the consumers doing
// nothing but hand the stages back (drain_loop); its products and softmax, the producer announcing K and V without
// copying them (on whatever the stages hold).
constexpr int FLAG_TURNS = 1;
constexpr int FLAG_SWIZZLED_Q = 2;
constexpr int FLAG_TMA_NO_FENCE = 4;
constexpr int FLAG_CLUSTER = 8;
constexpr int FLAG_WARP_RELEASE = 16;
constexpr int FLAG_PERSISTENT = 32;
constexpr int FLAG_COPIES_ONLY = 64;
constexpr int FLAG_PRODUCTS_ONLY = 128;
__host__ __device__ constexpr int cluster_of(int FLAGS) { return FLAGS & FLAG_CLUSTER ? 2 : 1; }

// FlashAttention-3's static persistent scheduler: a grid of about one block per SM (gridDim.x per batch item,
// blockIdx.z), block x taking the (query block, head) pairs t = x, x + gridDim.x, ... of its batch item in turn, so
// that its producer copies the next head's tiles while its consumers finish the last one's, and no block starts or
// ends between them. Needs bulk tensor copies and a positive scale (AttentionKernels launches a persistent kernel
// only with its tensor maps, and for a scale above 0): thread 0 copies K and V ahead into the stages as they free up, across heads (Head::base counts the key tiles
// before a head's); warps 1-3 copy each query tile once the consumers have given the last one back (q_empty). The
// producer builds a head's state once, before it gives its registers up, and moves it from head to head: built anew
// within its few registers, it spilled.
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
             t % qblocks, t / qblocks, blockIdx.z);
    hd.base = base;
    float acc[DP / 2];
#pragma unroll
    for (int i = 0; i < DP / 2; i++) acc[i] = 0.f;
    Rows rows;
    Turns turns{hs, consumer, hd.ntiles, !(FLAGS & FLAG_TMA_NO_FENCE), false};
    turns.base = base;
    turns.round = w & 1;
    turns.more = t + (int)gridDim.x < works;
    pipelined_loop<SOFTMAX>(hd, turns, acc, rows);
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
  static_assert(CONSUMERS == 2 || CONSUMERS == 3, "two or three consumer warpgroups");
  static_assert(SOFTMAX == SOFTMAX_F32 || W == 0, "a column of ones in chunked tiles, whose copies leave its chunk be");
  static_assert(!(FLAGS & FLAG_SWIZZLED_Q) || W != 0, "a swizzled query tile beside swizzled K and V tiles");
  static_assert(FLAGS >= 0 && FLAGS < 256, "the flags above");
  constexpr int DIAGNOSTIC = FLAGS & (FLAG_COPIES_ONLY | FLAG_PRODUCTS_ONLY);
  static_assert(DIAGNOSTIC != (FLAG_COPIES_ONLY | FLAG_PRODUCTS_ONLY) &&
                    (DIAGNOSTIC == 0 || !(FLAGS & (FLAG_CLUSTER | FLAG_WARP_RELEASE | FLAG_PERSISTENT))),
                "one diagnostic at a time, in one-block kernels given back by thread");
  static_assert(!(FLAGS & FLAG_PERSISTENT) || !(FLAGS & FLAG_CLUSTER), "persistent blocks take their heads alone");
  if constexpr ((FLAGS & FLAG_PERSISTENT) != 0) {
    persistent_attention<T, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS>(q, k, v, o, nq, nk, heads, d, ldq, ldkv,
                                                                         scale_log2, causal, options, tk, tv);
    return;
  }
  constexpr int ROWS = 64 * CONSUMERS;
  constexpr int QW = FLAGS & FLAG_SWIZZLED_Q ? W : 0;
  constexpr int CLUSTER = cluster_of(FLAGS);
  if (dynamic_smem_size() < (uint32_t)ws_smem_bytes(DP, BC, STAGES, CONSUMERS, W)) __trap();
  // A cluster kernel runs in its clusters only, and copies its tiles in pieces it can share (no whole-tile copies).
  if (CLUSTER > 1 && (cluster_blocks() != CLUSTER || (options & OPTION_TMA_TILE))) __trap();
  const int wg = threadIdx.x >> 7;
  const int consumer = wg > 0 ? wg - 1 : 0;
  const int q0 = blockIdx.x * ROWS;
  Head<T, DP, BC, STAGES, ROWS, W, QW> hd(sdj_wgmma_ws_dynamic, consumer, q, k, v, o, nq, nk, heads, d, ldq, ldkv,
                                      scale_log2, causal);
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
    release_registers<producer_regs(CONSUMERS)>();
    produce<COLS, CLUSTER, !(FLAGS & FLAG_PRODUCTS_ONLY)>(hd, hs, q0, nq, scale_log2 < 0.f, tma ? tk : nullptr,
                                                          tma ? tv : nullptr, (options & OPTION_TMA_TILE) != 0);
  } else {
    claim_registers<consumer_regs(CONSUMERS)>();
    float acc[DP / 2];
#pragma unroll
    for (int i = 0; i < DP / 2; i++) acc[i] = 0.f;
    Rows rows;
    const bool fence = !(tma && (FLAGS & FLAG_TMA_NO_FENCE));
    const Turns turns{hs, consumer, hd.ntiles, fence, tma};
    if constexpr ((FLAGS & FLAG_COPIES_ONLY) != 0) {
      drain_loop(hd.ntiles, turns);
    } else {
      pipelined_loop<SOFTMAX>(hd, turns, acc, rows);
    }
    float sums[2];
    row_sums<SOFTMAX, DP>(rows, acc, sums);
    if constexpr (DIAGNOSTIC != 0) {
#pragma unroll
      for (int i = 0; i < DP / 2; i++) acc[i] = NAN;  // not attention: say so
      sums[0] = sums[1] = 1.f;
    }
    store_rows(hd, acc, sums, nq, heads);
  }
  // No block of a cluster leaves while another may still copy into its stages or arrive on its barriers.
  if constexpr (CLUSTER > 1) cluster_sync();
}

}  // namespace wgmma
}  // namespace sdj

// A kernel's cluster dimensions by its FLAGS (a literal 0-63, or a diagnostic's 64-71 and 128-135): pairs of blocks
// along x with FLAG_CLUSTER, none else.
// Spelled out per value, as an attribute cannot test a bit of a macro argument.
#define SDJ_CLUSTER_DIMS(FLAGS) SDJ_CLUSTER_DIMS_##FLAGS
#define SDJ_CLUSTER_PAIR __cluster_dims__(2, 1, 1)
#define SDJ_CLUSTER_DIMS_0
#define SDJ_CLUSTER_DIMS_1
#define SDJ_CLUSTER_DIMS_2
#define SDJ_CLUSTER_DIMS_3
#define SDJ_CLUSTER_DIMS_4
#define SDJ_CLUSTER_DIMS_5
#define SDJ_CLUSTER_DIMS_6
#define SDJ_CLUSTER_DIMS_7
#define SDJ_CLUSTER_DIMS_8 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_9 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_10 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_11 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_12 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_13 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_14 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_15 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_16
#define SDJ_CLUSTER_DIMS_17
#define SDJ_CLUSTER_DIMS_18
#define SDJ_CLUSTER_DIMS_19
#define SDJ_CLUSTER_DIMS_20
#define SDJ_CLUSTER_DIMS_21
#define SDJ_CLUSTER_DIMS_22
#define SDJ_CLUSTER_DIMS_23
#define SDJ_CLUSTER_DIMS_24 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_25 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_26 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_27 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_28 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_29 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_30 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_31 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_32
#define SDJ_CLUSTER_DIMS_33
#define SDJ_CLUSTER_DIMS_34
#define SDJ_CLUSTER_DIMS_35
#define SDJ_CLUSTER_DIMS_36
#define SDJ_CLUSTER_DIMS_37
#define SDJ_CLUSTER_DIMS_38
#define SDJ_CLUSTER_DIMS_39
#define SDJ_CLUSTER_DIMS_40 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_41 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_42 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_43 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_44 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_45 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_46 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_47 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_48
#define SDJ_CLUSTER_DIMS_49
#define SDJ_CLUSTER_DIMS_50
#define SDJ_CLUSTER_DIMS_51
#define SDJ_CLUSTER_DIMS_52
#define SDJ_CLUSTER_DIMS_53
#define SDJ_CLUSTER_DIMS_54
#define SDJ_CLUSTER_DIMS_55
#define SDJ_CLUSTER_DIMS_56 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_57 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_58 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_59 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_60 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_61 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_62 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_63 SDJ_CLUSTER_PAIR
#define SDJ_CLUSTER_DIMS_64
#define SDJ_CLUSTER_DIMS_65
#define SDJ_CLUSTER_DIMS_66
#define SDJ_CLUSTER_DIMS_67
#define SDJ_CLUSTER_DIMS_68
#define SDJ_CLUSTER_DIMS_69
#define SDJ_CLUSTER_DIMS_70
#define SDJ_CLUSTER_DIMS_71
#define SDJ_CLUSTER_DIMS_128
#define SDJ_CLUSTER_DIMS_129
#define SDJ_CLUSTER_DIMS_130
#define SDJ_CLUSTER_DIMS_131
#define SDJ_CLUSTER_DIMS_132
#define SDJ_CLUSTER_DIMS_133
#define SDJ_CLUSTER_DIMS_134
#define SDJ_CLUSTER_DIMS_135

// One extern "C" kernel NAME of the template: its parameters as AttentionKernels passes them, the last two the tensor
// maps of K and V (AttentionKernels.tensorMaps), which the producer reads where options has OPTION_TMA. One block of
// 128 * (1 + CONSUMERS) threads per SM; with FLAG_CLUSTER, in clusters of two along x (a grid of even width).
#define SDJ_WGMMA_KERNEL(T, NAME, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS)                                     \
  extern "C" __global__ void __launch_bounds__(sdj::wgmma::ws_threads(CONSUMERS), 1) SDJ_CLUSTER_DIMS(FLAGS)        \
      NAME(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads, int d, int ldq, int ldkv,            \
           float scale_log2, int causal, int options, const __grid_constant__ CUtensorMap tk,                       \
           const __grid_constant__ CUtensorMap tv) {                                                                \
    sdj::wgmma::attention<T, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS>(q, k, v, o, nq, nk, heads, d, ldq,        \
                                                                              ldkv, scale_log2, causal, options,     \
                                                                              &tk, &tv);                             \
  }
