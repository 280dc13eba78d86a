// How the stages of wgmma_kernel.cuh's kernels are handed over: the mbarriers after the tiles (Handshakes), the
// producer warpgroup's parts (the query tile, then each key tile's K and V: bulk tensor copies by one thread, or
// cp.async or plain stores by all 128, multicast into a cluster's blocks), the consumers' side (Handover: waiting for
// a stage, giving it back, taking turns) and the column of ones that some softmax forms keep in V's padding.
#pragma once
#include "cluster.cuh"
#include "wgmma_attention.cuh"

namespace sdj {
namespace wgmma {

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
    // Key tile j into stage g of K or V (its barriers, its tiles, the map) once the consumers gave the stage back.
    auto fill = [&](uint64_t* empty, uint64_t* full, T* dst, const CUtensorMap* map, int j, int g) {
      mbar_wait(empty, hs.round(g) ^ 1);
      if (COPY || j < STAGES) {
        mbar_expect_bytes(full, TILE_BYTES);
        copy(dst, map, j, full);
      } else {
        mbar_arrive(full);
      }
    };
    for (int j = 0; j < hd.ntiles; j++) {
      const int g = hd.base + j;
      fill(hs.k_empty(g), hs.k_full(g), hd.tiles.k_stage(g), tk, j, g);
      fill(hs.v_empty(g), hs.v_full(g), hd.tiles.v_stage(g), tv, j, g);
    }
    return;
  }
  const bool vec = hd.view.vec;
  for (int j = 0; j < hd.ntiles; j++) {
    const int g = hd.base + j;
    mbar_wait(hs.k_empty(g), hs.round(g) ^ 1);
    if (COPY || j < STAGES) hd.template load_keys<128, 2, COLS>(j, tid);
    filled(hs.k_full(g), vec);
    mbar_wait(hs.v_empty(g), hs.round(g) ^ 1);
    if (COPY || j < STAGES) hd.template load_values<128, 2, COLS>(j, tid);
    filled(hs.v_full(g), vec);
  }
}

// The producer warpgroup of a block of one head: the query tile by all 128 threads, then K and V by one of them (bulk
// tensor copies; the other 127 are done) or all of them; without COPY (FLAG_PRODUCTS_ONLY, a diagnostic), K and V are
// copied into each stage once (so that the products run on the real keys and values, not on whatever shared memory
// held: run 9 timed such a kernel at three times the tensor cores' peak) and then announced without being copied.
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

}  // namespace wgmma
}  // namespace sdj
