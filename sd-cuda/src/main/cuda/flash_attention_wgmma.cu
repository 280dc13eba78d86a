// Fused multi-head attention forward on Hopper's warpgroup tensor-core instructions (wgmma.mma_async, sm_90a only),
// the FlashAttention-3 scheme without its producer warps: the same contract as flash_attention.cu (q [B, Nq, heads*d],
// k and v [B, Nk, heads*d], o [B, Nq, heads*d], scale passed as scale * log2(e), head size d padded with zeros to DP,
// optional causal mask, fp16 or bf16 in, float accumulation, online softmax in base 2). Experimental and opt-in
// (-Dsdj.cuda.attention=wgmma, wgmma-pipelined, wgmma-specialized or wgmma-pingpong, AttentionKernels.attention);
// flash_attention.cu's mma.sync kernel stays the default. The instruction wrappers and descriptors are in wgmma.cuh.
// The CPU emulator of the sd-cuda tests runs it (src/test/emu/emu_wgmma.cpp models wgmma; EmulatedWgmmaAttentionTest).
//
// How it is organised:
//  * A block is two warpgroups (256 threads) over 128 query rows; warpgroup w owns rows 64w..64w+63 and issues its own
//    wgmma: S = Q K^T as m64n{BC}k16 with both operands in shared memory (descriptors), then O += P V as m64n{DP}k16
//    with P from registers (the S accumulators rounded to 16 bits) and V from shared memory, read transposed.
//  * The query tile stays resident in shared memory; K and V tiles of BC keys have two stages each, the cp.async of
//    the next tiles (every thread of the block, 16 bytes each, zero-filled past Nk and past d) in flight while the
//    current ones are multiplied.
//  * Four kernels (benchmarks pick between them), two loops over the key tiles:
//    - serial_loop: tile j's S, softmax and O += P V one after another, each batch of wgmma waited for (wait_group 0)
//      before its registers are touched; two barriers per tile (tile j landed; nobody still reads the stage that the
//      next prefetch overwrites);
//    - pipelined_loop (FlashAttention-3's intra-warpgroup overlap): S of tile j and O += P V of tile j - 1 issued
//      together, tile j's softmax while the second runs (wait_group 1, then 0), K copied one tile ahead of V, one
//      barrier per tile.
//    The other warpgroup, and the block beside this one on the SM, fill the tensor cores while one warpgroup runs
//    its softmax in either. The third kernel, specialized, is FlashAttention-3's warp specialization: a producer
//    warpgroup copies the tiles (K and V by bulk tensor copies, TMA) through mbarrier-guarded stages, two or three
//    consumer warpgroups run the pipelined loop's steps on them without block-wide barriers (see its comment below);
//    the fourth, pingpong, is the third with FlashAttention-3's scheduling of the consumers (Handover: they take
//    turns issuing products).
//  * The register operands of wgmma are pinned by empty volatile asm (pin) before the fence and after the wait, so that
//    the compiler neither moves a write of them past the fence nor a read of the results before the wait, nor reuses
//    the registers of P while a product still reads them.
//  * Shared memory written by threads (cp.async and plain stores are the generic proxy) is read by wgmma through the
//    async proxy: every thread runs fence.proxy.async.shared::cta after its copies complete and before the barrier
//    that publishes them (PTX ISA, "Memory Consistency Model", proxies; "Asynchronous Warpgroup Level Matrix
//    Multiply-Accumulate Operation").
//  * The softmax is flash_attention.cu's: raw scores where no key of the tile is masked (one fma and one ex2 per
//    score), masking only on the tiles that need it, the rescale skipped where no row maximum of the warp rose. At
//    padded head size 48, where the special-function unit's ex2s outlast the products, a quarter of them run as a
//    polynomial on the FMA units instead (ex2_fma, POLY_MAX_DP in wgmma_attention.cuh; FlashAttention-4's trick).
//  * Not yet (FlashAttention-3 does them): the query tile by TMA, output through shared memory with 16-byte stores,
//    swizzled shared layouts.
//  * The fragment and shared-memory layouts relied on, and the shared building blocks, are in wgmma_attention.cuh.
#include "wgmma_attention.cuh"

namespace sdj {
namespace wgmma {

// The key tiles one after another: each tile's S, its softmax, then its O += P V, each batch of wgmma waited for
// before the next step. K and V of tile j + 1 are copied while tile j is multiplied; two barriers per tile.
template <typename T, int DP, int BC>
__device__ __forceinline__ void serial_loop(Head<T, DP, BC>& hd, float (&acc)[DP / 2], Rows& rows) {
  for (int j = 0; j < hd.ntiles; j++) {
    if (j + 1 < hd.ntiles) {
      hd.load_keys(j + 1, threadIdx.x);
      hd.load_values(j + 1, threadIdx.x);
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

    float alpha[2];
    if (softmax_tile(hd, s, j, rows, alpha)) rescale<DP>(acc, alpha);
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

// How pipelined_loop's steps get their tiles, for the block that copies them itself: one barrier per step, after
// which the step's copies (K of tile j + 1, V of tile j, committed as one group) overwrite stages nobody reads.
template <typename T, int DP, int BC>
struct BlockCopies {
  Head<T, DP, BC>& hd;
  __device__ __forceinline__ void start(int) const {}
  // K of tile j and V of tile j - 1 (where they exist) are in shared memory for every thread's wgmma.
  __device__ __forceinline__ void ready(int j) const {
    cp_async_wait<0>();
    fence_async_shared();
    __syncthreads();  // the tiles this step multiplies landed; nobody reads the stages these copies overwrite
    if (j + 1 < hd.ntiles) hd.load_keys(j + 1, threadIdx.x);
    if (j < hd.ntiles) hd.load_values(j, threadIdx.x);
    cp_async_commit();
  }
  __device__ __forceinline__ void keys_done(int) const {}
  __device__ __forceinline__ void values_done(int) const {}
  __device__ __forceinline__ void my_turn() const {}
  __device__ __forceinline__ void your_turn(bool) const {}
};

// FlashAttention-3's intra-warpgroup pipelining: step j issues S of tile j and O += P V of tile j - 1 together, then
// runs tile j's softmax while the second product is still in flight, and waits for it only before rescaling O and
// packing P of tile j into the registers it read. K runs one tile ahead of V: step j needs K of tile j and V of tile
// j - 1 (copies: how they arrive, BlockCopies or the warp-specialized kernel's Handover), and gives back K of tile j
// once S is done and V of tile j - 1 once P V is. The first step (S only) and the last (P V only) are peeled off, so
// that the steady state's wgmma batches and waits are unconditional, which ptxas needs to keep them asynchronous.
// The probabilities of tile j - 1 (pa), tile j's scores (s) and O are live together: more registers than
// serial_loop.
template <typename T, int DP, int BC, int STAGES, int ROWS, typename Copies>
__device__ __forceinline__ void pipelined_loop(const Head<T, DP, BC, STAGES, ROWS>& hd, const Copies& copies,
                                               float (&acc)[DP / 2], Rows& rows) {
  const int n = hd.ntiles;
  if (n == 0) return;
  copies.start(n);
  float s[BC / 2];
  uint32_t pa[BC / 16][4];
  float alpha[2];

  copies.ready(0);
  copies.my_turn();
  wg_fence();
  hd.tiles.issue_scores(s, 0);
  wg_commit();
  copies.your_turn(false);
  wg_wait<0>();
  copies.keys_done(0);
  pin(s);
  softmax_tile(hd, s, 0, rows, alpha);  // O is still 0: nothing to rescale
  pack_probabilities<T, BC>(s, pa);

  for (int j = 1; j < n; j++) {
    copies.ready(j);
    pin(acc);
    pin(pa);
    copies.my_turn();
    wg_fence();
    hd.tiles.issue_scores(s, j);
    wg_commit();
    hd.tiles.issue_values(acc, pa, j - 1);
    wg_commit();
    copies.your_turn(false);
    wg_wait<1>();  // S of tile j; O += P V of tile j - 1 may still run
    copies.keys_done(j);
    pin(s);
    const bool grew = softmax_tile(hd, s, j, rows, alpha);
    wg_wait<0>();
    copies.values_done(j - 1);
    pin(acc);
    pin(pa);
    if (grew) rescale<DP>(acc, alpha);
    pack_probabilities<T, BC>(s, pa);
  }

  copies.ready(n);  // V of tile n - 1
  pin(acc);
  pin(pa);
  copies.my_turn();
  wg_fence();
  hd.tiles.issue_values(acc, pa, n - 1);
  wg_commit();
  copies.your_turn(true);
  wg_wait<0>();
  pin(acc);
}

template <typename T, int DP, int BC, bool PIPELINED>
__device__ __forceinline__ void attention(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                          T* __restrict__ o, int nq, int nk, int heads, int d, int ldq, int ldkv,
                                          float scale_log2, int causal, int options) {
  constexpr int SMEM = smem_bytes(DP, BC);
  static_assert(DP % 16 == 0 && BC % 16 == 0 && DP <= 256 && BC <= 256, "wgmma tile sizes");
  extern __shared__ __align__(128) unsigned char sdj_wgmma_dynamic[];
  if (dynamic_smem_size() < (uint32_t)SMEM) __trap();  // launched with less than AttentionKernels.wgmmaSharedBytes
  const int wg = threadIdx.x >> 7;
  const int q0 = blockIdx.x * BR;
  Head<T, DP, BC> hd(sdj_wgmma_dynamic, wg, options, q, k, v, o, nq, nk, heads, d, ldq, ldkv, scale_log2, causal);

  load_tile<T, DP, BR, THREADS>(hd.tiles.q, hd.view.q, q0, nq, d, hd.view.q_stride, hd.view.vec, threadIdx.x);
  if (hd.ntiles > 0) {
    hd.load_keys(0, threadIdx.x);
    if (!PIPELINED) hd.load_values(0, threadIdx.x);
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
    pipelined_loop(hd, BlockCopies<T, DP, BC>{hd}, acc, rows);
  } else {
    serial_loop<T, DP, BC>(hd, acc, rows);
  }
  cp_async_wait<0>();  // the query tile when there were no keys
  store_rows(hd, acc, rows, nq, heads);
}


// The warp-specialized kernel (FlashAttention-3's producer and consumers): warpgroup 0 copies Q once and the K and V
// tiles through STAGES stages each (bulk tensor copies where the host passed tensor maps, else cp.async), warpgroups
// 1 .. CONSUMERS (64 query rows each) run pipelined_loop's steps on them. No block-wide barrier after the start:
// mbarriers hand each stage over (full: the producer's copies landed; empty: every consumer thread is done with it),
// so the consumers drift apart and one's softmax overlaps another's products. The producer gives registers up
// (setmaxnreg) for the consumers. Two consumers (128 query rows), or three (192 rows, FlashAttention-3's choice up to
// head size 96) where their loop fits 160 registers without spilling (padded head sizes 48 and 64: ptxas spills at
// 80), so that more warps share each K and V tile and more softmaxes overlap the products (the _c3 kernels below).
__host__ __device__ constexpr int ws_threads(int CONSUMERS) { return 128 * (1 + CONSUMERS); }
// Registers per thread after setmaxnreg: the block's 64K shared out, the producer keeping what its copies need.
__host__ __device__ constexpr int producer_regs(int CONSUMERS) { return CONSUMERS == 3 ? 32 : 40; }
__host__ __device__ constexpr int consumer_regs(int CONSUMERS) { return CONSUMERS == 3 ? 160 : 232; }

// Bytes of dynamic shared memory: the tiles (64 query rows per consumer), then 1 + 4 * STAGES mbarriers.
__host__ __device__ constexpr int ws_smem_bytes(int DP, int BC, int STAGES, int CONSUMERS) {
  return (64 * CONSUMERS + 2 * STAGES * BC) * DP * 2 + (1 + 4 * STAGES) * 8;
}

// The mbarriers after the tiles: the query tile's, then per stage K full, V full, K empty, V empty. Key tile j uses
// stage j % STAGES for the (j / STAGES)-th time: the parity of that phase is round(j).
template <int STAGES, int CONSUMERS>
struct Handshakes {
  uint64_t* bars;
  __device__ __forceinline__ uint64_t* q_full() const { return bars; }
  __device__ __forceinline__ uint64_t* k_full(int j) const { return bars + 1 + j % STAGES; }
  __device__ __forceinline__ uint64_t* v_full(int j) const { return bars + 1 + STAGES + j % STAGES; }
  __device__ __forceinline__ uint64_t* k_empty(int j) const { return bars + 1 + 2 * STAGES + j % STAGES; }
  __device__ __forceinline__ uint64_t* v_empty(int j) const { return bars + 1 + 3 * STAGES + j % STAGES; }
  __device__ __forceinline__ static int round(int j) { return (j / STAGES) & 1; }

  // full_count: the arrivals that fill a K or V stage (the producer's 128 threads, or its one thread that issues bulk
  // tensor copies and announces their bytes).
  __device__ __forceinline__ void init(int full_count) const {
    mbar_init(q_full(), 128);
    for (int s = 0; s < STAGES; s++) {
      mbar_init(k_full(s), full_count);
      mbar_init(v_full(s), full_count);
      mbar_init(k_empty(s), CONSUMERS * 128);
      mbar_init(v_empty(s), CONSUMERS * 128);
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

// The producer warpgroup: the query tile once, then each key tile's K and V into their stages as the consumers give
// them back. With tensor maps (tk, tv: the kernel's OPTION_TMA), one thread copies each K and V tile as DP / 8 bulk
// tensor copies, one per 8-column chunk (a box of 8 columns x BC rows lands as the chunk's BC rows of 16 bytes, the
// tile layout; rows past nk and chunks past d arrive as zeros), announcing the tile's bytes on its full barrier; the
// other 127 threads are done after the query tile. Without, all 128 copy (cp.async or plain stores).
template <typename T, int DP, int BC, int STAGES, int ROWS, int CONSUMERS>
__device__ __forceinline__ void produce(Head<T, DP, BC, STAGES, ROWS>& hd, const Handshakes<STAGES, CONSUMERS>& hs,
                                        int q0, int nq, bool negate, const CUtensorMap* tk, const CUtensorMap* tv) {
  const int tid = threadIdx.x;  // warpgroup 0
  const bool vec = hd.view.vec;
  load_tile<T, DP, ROWS, 128, 1>(hd.tiles.q, hd.view.q, q0, nq, hd.d, hd.view.q_stride, vec, tid);
  if (negate) {
    // Each thread negates what it copied (a negative scale is folded into the queries), then arrives.
    if (vec) {
      cp_async_commit();
      cp_async_wait<0>();
      for_each_chunk<DP, ROWS, 128, 1>(tid, [&](int r, int c) {
        uint32_t* w = reinterpret_cast<uint32_t*>(hd.tiles.q + tile_offset(r, c, ROWS));
        for (int i = 0; i < 4; i++) w[i] ^= 0x80008000u;
      });
    } else {
      for (int i = tid; i < ROWS * DP; i += 128) {
        T* x = hd.tiles.q + tile_offset(i / DP, i % DP, ROWS);
        *x = from_f<T>(-to_f(*x));
      }
    }
    fence_async_shared();
    mbar_arrive(hs.q_full());
  } else {
    filled(hs.q_full(), vec);
  }
  if (tk != nullptr) {
    if (tid != 0) return;
    constexpr int TILE_BYTES = BC * DP * 2;
    for (int j = 0; j < hd.ntiles; j++) {
      mbar_wait(hs.k_empty(j), hs.round(j) ^ 1);
      mbar_expect_bytes(hs.k_full(j), TILE_BYTES);
#pragma unroll 1
      for (int c = 0; c < DP / 8; c++)
        tma_load(hd.tiles.k_stage(j) + c * BC * 8, tk, 8 * c, blockIdx.y, j * BC, blockIdx.z, hs.k_full(j));
      mbar_wait(hs.v_empty(j), hs.round(j) ^ 1);
      mbar_expect_bytes(hs.v_full(j), TILE_BYTES);
#pragma unroll 1
      for (int c = 0; c < DP / 8; c++)
        tma_load(hd.tiles.v_stage(j) + c * BC * 8, tv, 8 * c, blockIdx.y, j * BC, blockIdx.z, hs.v_full(j));
    }
    return;
  }
  for (int j = 0; j < hd.ntiles; j++) {
    mbar_wait(hs.k_empty(j), hs.round(j) ^ 1);
    hd.template load_keys<128, 2>(j, tid);
    filled(hs.k_full(j), vec);
    mbar_wait(hs.v_empty(j), hs.round(j) ^ 1);
    hd.template load_values<128, 2>(j, tid);
    filled(hs.v_full(j), vec);
  }
}

// How pipelined_loop's steps get their tiles in a consumer warpgroup of the warp-specialized kernel: from the
// producer through the full mbarriers, giving each stage back (empty) as soon as its product has completed. Where
// PINGPONG, FlashAttention-3's scheduling of the consumers: they take turns, each issuing a step's products only after
// the one before it has issued its own (named barrier 1 + c is consumer c's turn, 256 threads: its own 128 waiting,
// its predecessor's 128 arriving), so that one's softmax runs while another's products do. Consumer 0 goes first,
// granted by the last consumer at the start; the last leaves out its last handover, so that no barrier is left
// half-arrived.
template <int STAGES, bool PINGPONG, int CONSUMERS>
struct Handover {
  Handshakes<STAGES, CONSUMERS> hs;
  int me;  // consumer 0 .. CONSUMERS - 1
  int n;   // key tiles

  __device__ __forceinline__ void start(int) const {
    mbar_wait(hs.q_full(), 0);
    if (PINGPONG && me == CONSUMERS - 1) named_barrier_arrive(1, 256);
  }
  __device__ __forceinline__ void ready(int j) const {
    if (j < n) mbar_wait(hs.k_full(j), hs.round(j));
    if (j > 0) mbar_wait(hs.v_full(j - 1), hs.round(j - 1));
    fence_async_shared();  // the producer's copies (generic proxy) before this thread's wgmma reads (async proxy)
  }
  __device__ __forceinline__ void keys_done(int j) const { mbar_arrive(hs.k_empty(j)); }
  __device__ __forceinline__ void values_done(int j) const { mbar_arrive(hs.v_empty(j)); }
  __device__ __forceinline__ void my_turn() const {
    if (PINGPONG) named_barrier_sync(1 + me, 256);
  }
  __device__ __forceinline__ void your_turn(bool last) const {
    if (PINGPONG && !(last && me == CONSUMERS - 1)) named_barrier_arrive(1 + (me + 1) % CONSUMERS, 256);
  }
};

template <typename T, int DP, int BC, int STAGES, bool PINGPONG, int CONSUMERS>
__device__ __forceinline__ void specialized(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                            T* __restrict__ o, int nq, int nk, int heads, int d, int ldq, int ldkv,
                                            float scale_log2, int causal, int options, const CUtensorMap* tk,
                                            const CUtensorMap* tv) {
  static_assert(DP % 16 == 0 && BC % 16 == 0 && DP <= 256 && BC <= 256, "wgmma tile sizes");
  extern __shared__ __align__(128) unsigned char sdj_wgmma_ws_dynamic[];
  static_assert(CONSUMERS == 2 || CONSUMERS == 3, "two or three consumer warpgroups");
  constexpr int ROWS = 64 * CONSUMERS;
  if (dynamic_smem_size() < (uint32_t)ws_smem_bytes(DP, BC, STAGES, CONSUMERS)) __trap();
  const int wg = threadIdx.x >> 7;
  const int consumer = wg > 0 ? wg - 1 : 0;
  const int q0 = blockIdx.x * ROWS;
  Head<T, DP, BC, STAGES, ROWS> hd(sdj_wgmma_ws_dynamic, consumer, options, q, k, v, o, nq, nk, heads, d, ldq, ldkv,
                                   scale_log2, causal);
  const Handshakes<STAGES, CONSUMERS> hs{reinterpret_cast<uint64_t*>(hd.tiles.end())};
  const bool tma = options & OPTION_TMA;
  if (threadIdx.x == 0) {
    hs.init(tma ? 1 : 128);
    fence_mbar_init();
  }
  __syncthreads();  // the mbarriers are initialised for everyone
  if (wg == 0) {
    release_registers<producer_regs(CONSUMERS)>();
    produce(hd, hs, q0, nq, scale_log2 < 0.f, tma ? tk : nullptr, tma ? tv : nullptr);
  } else {
    claim_registers<consumer_regs(CONSUMERS)>();
    float acc[DP / 2];
#pragma unroll
    for (int i = 0; i < DP / 2; i++) acc[i] = 0.f;
    Rows rows;
    pipelined_loop(hd, Handover<STAGES, PINGPONG, CONSUMERS>{hs, consumer, hd.ntiles}, acc, rows);
    store_rows(hd, acc, rows, nq, heads);
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
           float scale_log2, int causal, int options) {                                                         \
    sdj::wgmma::attention<T, DP, BC, PIPELINED>(q, k, v, o, nq, nk, heads, d, ldq, ldkv, scale_log2, causal,   \
                                                options);                                                       \
  }
#define SDJ_WGMMA(T, S, DP, BC, MINB) \
  SDJ_WGMMA_KERNEL(sdj_flash_attention_wgmma_##S##_d##DP, false, T, DP, BC, MINB)
#define SDJ_WGMMA_PIPELINED(T, S, DP, BC, MINB) \
  SDJ_WGMMA_KERNEL(sdj_flash_attention_wgmma_pipelined_##S##_d##DP, true, T, DP, BC, MINB)

// The warp-specialized kernels: DP, BC, STAGES (of K and of V) and CONSUMERS (warpgroups of 64 query rows), one
// block of 128 * (1 + CONSUMERS) threads per SM; the ping-pong one takes the same table. Two consumers by default;
// the _c3 images, three (-Dsdj.cuda.wgmmaConsumers=3, AttentionKernels.wgmmaConsumers), for benchmarks to compare:
// a block of 192 rows shares each tile among more warps, but at batch 2 x 8 heads x 4096 rows 352 blocks make 2.67
// waves of 132 SMs (the last a third idle) where 512 blocks of 128 rows make 3.88. Two more parameters, tensor
// maps of K and V (AttentionKernels.tensorMaps), which the producer reads where options has OPTION_TMA.
#define SDJ_WGMMA_WS_KERNEL(NAME, PINGPONG, T, DP, BC, STAGES, CONSUMERS)                                       \
  extern "C" __global__ void __launch_bounds__(sdj::wgmma::ws_threads(CONSUMERS), 1)                            \
      NAME(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads, int d, int ldq, int ldkv,       \
           float scale_log2, int causal, int options, const __grid_constant__ CUtensorMap tk,                 \
           const __grid_constant__ CUtensorMap tv) {                                                            \
    sdj::wgmma::specialized<T, DP, BC, STAGES, PINGPONG, CONSUMERS>(q, k, v, o, nq, nk, heads, d, ldq, ldkv,   \
                                                                     scale_log2, causal, options, &tk, &tv);    \
  }
// Both images of one row, their names tagged with C (empty, or _c3).
#define SDJ_WGMMA_WS_IMAGES(T, S, DP, BC, STAGES, CONSUMERS, C)                                                 \
  SDJ_WGMMA_WS_KERNEL(sdj_flash_attention_wgmma_specialized##C##_##S##_d##DP, false, T, DP, BC, STAGES,         \
                      CONSUMERS)                                                                                \
  SDJ_WGMMA_WS_KERNEL(sdj_flash_attention_wgmma_pingpong##C##_##S##_d##DP, true, T, DP, BC, STAGES, CONSUMERS)
#define SDJ_WGMMA_SPECIALIZED(T, S, DP, BC, STAGES) SDJ_WGMMA_WS_IMAGES(T, S, DP, BC, STAGES, 2, )
#define SDJ_WGMMA_SPECIALIZED_C3(T, S, DP, BC, STAGES) SDJ_WGMMA_WS_IMAGES(T, S, DP, BC, STAGES, 3, _c3)

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

#define SDJ_WGMMA_SPECIALIZED_ALL(T, S)       \
  SDJ_WGMMA_SPECIALIZED(T, S, 48, 128, 3)     \
  SDJ_WGMMA_SPECIALIZED(T, S, 64, 128, 3)     \
  SDJ_WGMMA_SPECIALIZED(T, S, 80, 128, 2)     \
  SDJ_WGMMA_SPECIALIZED(T, S, 128, 128, 2)    \
  SDJ_WGMMA_SPECIALIZED(T, S, 160, 128, 2)    \
  SDJ_WGMMA_SPECIALIZED_C3(T, S, 48, 128, 3)  \
  SDJ_WGMMA_SPECIALIZED_C3(T, S, 64, 128, 3)

SDJ_WGMMA_ALL(__half, f16)
SDJ_WGMMA_ALL(__nv_bfloat16, bf16)
SDJ_WGMMA_PIPELINED_ALL(__half, f16)
SDJ_WGMMA_PIPELINED_ALL(__nv_bfloat16, bf16)
SDJ_WGMMA_SPECIALIZED_ALL(__half, f16)
SDJ_WGMMA_SPECIALIZED_ALL(__nv_bfloat16, bf16)
