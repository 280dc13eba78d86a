// Fused multi-head attention forward on Hopper's warpgroup tensor-core instructions (wgmma.mma_async, sm_90a only),
// the FlashAttention-3 scheme without its producer warps: the same contract as flash_attention.cu (q [B, Nq, heads*d],
// k and v [B, Nk, heads*d], o [B, Nq, heads*d], scale passed as scale * log2(e), head size d padded with zeros to DP,
// optional causal mask, fp16 or bf16 in, float accumulation, online softmax in base 2). Experimental and opt-in
// (-Dsdj.cuda.attention=wgmma, AttentionKernels.attention); flash_attention.cu's mma.sync kernel stays the default.
// The CPU emulator of the sd-cuda tests runs it (src/test/emu/emu_wgmma.cpp models wgmma; EmulatedWgmmaAttentionTest).
//
// How it is organised:
//  * A block is two warpgroups (256 threads) over 128 query rows; warpgroup w owns rows 64w..64w+63 and issues its own
//    wgmma: S = Q K^T as m64n{BC}k16 with both operands in shared memory (descriptors), then O += P V as m64n{DP}k16
//    with P from registers (the S accumulators rounded to 16 bits) and V from shared memory, read transposed.
//  * The query tile stays resident in shared memory; K and V tiles of BC keys are double-buffered: the cp.async of
//    tile j + 1 (every thread of the block, 16 bytes each, zero-filled past Nk and past d) is in flight while tile j is
//    multiplied. Two barriers per key tile: one before the products (tile j landed, for every thread), one after
//    (nobody still reads the stage that the next prefetch overwrites).
//  * Each batch of wgmma is wgmma.fence, the k-steps, wgmma.commit_group, wgmma.wait_group 0: nothing of one batch is
//    left in flight when its registers are next touched. The register operands are pinned by empty volatile asm
//    (pin) before the fence and after the wait, so that the compiler neither moves a write of them past the fence nor
//    a read of the results before the wait.
//  * Shared memory written by threads (cp.async and plain stores are the generic proxy) is read by wgmma through the
//    async proxy: every thread runs fence.proxy.async.shared::cta after its copies complete and before the barrier
//    that publishes them (PTX ISA, "Memory Consistency Model", proxies; "Asynchronous Warpgroup Level Matrix
//    Multiply-Accumulate Operation").
//  * The softmax is flash_attention.cu's: raw scores where no key of the tile is masked (one fma and one ex2 per
//    score), masking only on the tiles that need it, the rescale skipped where no row maximum of the warp rose.
//  * Not yet (FlashAttention-3 does them): a producer warp with TMA and mbarriers, overlap of one tile's softmax with
//    the next tile's products, output through shared memory with 16-byte stores, swizzled shared layouts.
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
// AttentionKernels.wgmmaKeys and AttentionKernels.wgmmaSharedBytes (FlashAttentionWgmmaLaunchTest compares them with SDJ_WGMMA_ALL).
#include "attention.cuh"

namespace sdj {
namespace wgmma {

constexpr int THREADS = 256;  // two warpgroups
constexpr int BR = 128;       // query rows per block, 64 per warpgroup

// Element offset of (r, c) in a tile of `rows` rows stored as 8-column chunks (see the layout notes above).
__host__ __device__ constexpr int tile_offset(int r, int c, int rows) { return (c >> 3) * rows * 8 + r * 8 + (c & 7); }

// A shared-memory matrix descriptor without swizzle: start address, leading and stride byte offsets (all multiples of
// 16 bytes below 256 KiB).
__host__ __device__ constexpr uint64_t make_desc(uint32_t addr, uint32_t lbo, uint32_t sbo) {
  return (uint64_t)((addr & 0x3FFFFu) >> 4) | ((uint64_t)((lbo & 0x3FFFFu) >> 4) << 16) |
         ((uint64_t)((sbo & 0x3FFFFu) >> 4) << 32);
}

// Bytes of dynamic shared memory: the query tile and two stages of K and V tiles.
__host__ __device__ constexpr int smem_bytes(int DP, int BC) { return (BR + 4 * BC) * DP * 2; }

// Chunk i of a tile's cp.async copy: groups of 8 threads take 8 consecutive rows of one 16-byte chunk (one 128-byte
// core matrix, conflict-free shared stores), 4 such groups of a warp the next chunks of those rows (64 contiguous
// global bytes per row).
__host__ __device__ constexpr int chunk_row(int i, int chunks_per_row) {
  return (i >> 3) / chunks_per_row * 8 + (i & 7);
}
__host__ __device__ constexpr int chunk_col(int i, int chunks_per_row) { return (i >> 3) % chunks_per_row * 8; }


// wgmma wrappers: S (both operands from descriptors, K-major, no transpose) and O (A from registers, B transposed).
// scale_d 0 overwrites the accumulators, 1 adds to them; imm-scale-a/b are 1. Under SDJ_EMU, the CPU emulator's model
// of the same instructions (src/test/emu/emu_wgmma.cpp).
#ifdef SDJ_EMU
template <typename T, int N> struct WgmmaSS {
  static void run(float (&d)[N / 2], uint64_t a, uint64_t b, int scale_d) {
    emu::wgmma_ss(d, N, a, b, scale_d != 0, std::is_same_v<T, __nv_bfloat16>, false);
  }
};
template <typename T, int N> struct WgmmaRS {
  static void run(float (&d)[N / 2], const uint32_t (&a)[4], uint64_t b, int scale_d) {
    emu::wgmma_rs(d, N, a, b, scale_d != 0, std::is_same_v<T, __nv_bfloat16>, true);
  }
};
#else
template <typename T, int N> struct WgmmaSS;
template <typename T, int N> struct WgmmaRS;
// The accumulator operand lists of the wgmma asm statements, 16 registers at a time.
#define SDJ_REGS_0 "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15"
#define SDJ_REGS_16 "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31"
#define SDJ_REGS_32 "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47"
#define SDJ_REGS_48 "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
#define SDJ_REGS_64 "%64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79"

// Eight accumulator operands d[i..i+7] of a wgmma asm statement ("+f": read and written).
#define SDJ_ACC8(i)                                                                                    \
  "+f"(d[i]), "+f"(d[i + 1]), "+f"(d[i + 2]), "+f"(d[i + 3]), "+f"(d[i + 4]), "+f"(d[i + 5]), "+f"(d[i + 6]), \
      "+f"(d[i + 7])

#define SDJ_WGMMA_SS_64(T, TY) \
  template <> struct WgmmaSS<T, 64> { \
    static __device__ __forceinline__ void run(float (&d)[32], uint64_t a, uint64_t b, int scale_d) { \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n" \
                   "wgmma.mma_async.sync.aligned.m64n64k16.f32." TY "." TY " {" \
                   SDJ_REGS_0 "," SDJ_REGS_16 \
                   "}, %32, %33, p, 1, 1, 0, 0;\n}\n" \
                   : SDJ_ACC8(0), SDJ_ACC8(8), SDJ_ACC8(16), SDJ_ACC8(24) \
                   : "l"(a), "l"(b), "r"(scale_d)); \
    } \
  };

#define SDJ_WGMMA_SS_128(T, TY) \
  template <> struct WgmmaSS<T, 128> { \
    static __device__ __forceinline__ void run(float (&d)[64], uint64_t a, uint64_t b, int scale_d) { \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n" \
                   "wgmma.mma_async.sync.aligned.m64n128k16.f32." TY "." TY " {" \
                   SDJ_REGS_0 "," SDJ_REGS_16 "," SDJ_REGS_32 "," SDJ_REGS_48 \
                   "}, %64, %65, p, 1, 1, 0, 0;\n}\n" \
                   : SDJ_ACC8(0), SDJ_ACC8(8), SDJ_ACC8(16), SDJ_ACC8(24), SDJ_ACC8(32), \
                     SDJ_ACC8(40), SDJ_ACC8(48), SDJ_ACC8(56) \
                   : "l"(a), "l"(b), "r"(scale_d)); \
    } \
  };

#define SDJ_WGMMA_RS_48(T, TY) \
  template <> struct WgmmaRS<T, 48> { \
    static __device__ __forceinline__ void run(float (&d)[24], const uint32_t (&a)[4], uint64_t b, int scale_d) { \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %29, 0;\n" \
                   "wgmma.mma_async.sync.aligned.m64n48k16.f32." TY "." TY " {" \
                   SDJ_REGS_0 "," \
                   "%16, %17, %18, %19, %20, %21, %22, %23" \
                   "}, {%24, %25, %26, %27}, %28, p, 1, 1, 1;\n}\n" \
                   : SDJ_ACC8(0), SDJ_ACC8(8), SDJ_ACC8(16) \
                   : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(scale_d)); \
    } \
  };

#define SDJ_WGMMA_RS_64(T, TY) \
  template <> struct WgmmaRS<T, 64> { \
    static __device__ __forceinline__ void run(float (&d)[32], const uint32_t (&a)[4], uint64_t b, int scale_d) { \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n" \
                   "wgmma.mma_async.sync.aligned.m64n64k16.f32." TY "." TY " {" \
                   SDJ_REGS_0 "," SDJ_REGS_16 \
                   "}, {%32, %33, %34, %35}, %36, p, 1, 1, 1;\n}\n" \
                   : SDJ_ACC8(0), SDJ_ACC8(8), SDJ_ACC8(16), SDJ_ACC8(24) \
                   : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(scale_d)); \
    } \
  };

#define SDJ_WGMMA_RS_80(T, TY) \
  template <> struct WgmmaRS<T, 80> { \
    static __device__ __forceinline__ void run(float (&d)[40], const uint32_t (&a)[4], uint64_t b, int scale_d) { \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %45, 0;\n" \
                   "wgmma.mma_async.sync.aligned.m64n80k16.f32." TY "." TY " {" \
                   SDJ_REGS_0 "," \
                   SDJ_REGS_16 "," \
                   "%32, %33, %34, %35, %36, %37, %38, %39" \
                   "}, {%40, %41, %42, %43}, %44, p, 1, 1, 1;\n}\n" \
                   : SDJ_ACC8(0), SDJ_ACC8(8), SDJ_ACC8(16), SDJ_ACC8(24), SDJ_ACC8(32) \
                   : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(scale_d)); \
    } \
  };

#define SDJ_WGMMA_RS_128(T, TY) \
  template <> struct WgmmaRS<T, 128> { \
    static __device__ __forceinline__ void run(float (&d)[64], const uint32_t (&a)[4], uint64_t b, int scale_d) { \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n" \
                   "wgmma.mma_async.sync.aligned.m64n128k16.f32." TY "." TY " {" \
                   SDJ_REGS_0 "," SDJ_REGS_16 "," SDJ_REGS_32 "," SDJ_REGS_48 \
                   "}, {%64, %65, %66, %67}, %68, p, 1, 1, 1;\n}\n" \
                   : SDJ_ACC8(0), SDJ_ACC8(8), SDJ_ACC8(16), SDJ_ACC8(24), SDJ_ACC8(32), \
                     SDJ_ACC8(40), SDJ_ACC8(48), SDJ_ACC8(56) \
                   : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(scale_d)); \
    } \
  };

#define SDJ_WGMMA_RS_160(T, TY) \
  template <> struct WgmmaRS<T, 160> { \
    static __device__ __forceinline__ void run(float (&d)[80], const uint32_t (&a)[4], uint64_t b, int scale_d) { \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %85, 0;\n" \
                   "wgmma.mma_async.sync.aligned.m64n160k16.f32." TY "." TY " {" \
                   SDJ_REGS_0 "," SDJ_REGS_16 "," SDJ_REGS_32 "," SDJ_REGS_48 "," SDJ_REGS_64 \
                   "}, {%80, %81, %82, %83}, %84, p, 1, 1, 1;\n}\n" \
                   : SDJ_ACC8(0), SDJ_ACC8(8), SDJ_ACC8(16), SDJ_ACC8(24), SDJ_ACC8(32), \
                     SDJ_ACC8(40), SDJ_ACC8(48), SDJ_ACC8(56), SDJ_ACC8(64), SDJ_ACC8(72) \
                   : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(scale_d)); \
    } \
  };

SDJ_WGMMA_SS_64(__half, "f16")
SDJ_WGMMA_SS_64(__nv_bfloat16, "bf16")
SDJ_WGMMA_SS_128(__half, "f16")
SDJ_WGMMA_SS_128(__nv_bfloat16, "bf16")
SDJ_WGMMA_RS_48(__half, "f16")
SDJ_WGMMA_RS_48(__nv_bfloat16, "bf16")
SDJ_WGMMA_RS_64(__half, "f16")
SDJ_WGMMA_RS_64(__nv_bfloat16, "bf16")
SDJ_WGMMA_RS_80(__half, "f16")
SDJ_WGMMA_RS_80(__nv_bfloat16, "bf16")
SDJ_WGMMA_RS_128(__half, "f16")
SDJ_WGMMA_RS_128(__nv_bfloat16, "bf16")
SDJ_WGMMA_RS_160(__half, "f16")
SDJ_WGMMA_RS_160(__nv_bfloat16, "bf16")
#endif  // SDJ_EMU

#ifdef SDJ_EMU
__device__ __forceinline__ void wg_fence() { emu::wgmma_fence(); }
__device__ __forceinline__ void wg_commit() { emu::wgmma_commit(); }
__device__ __forceinline__ void wg_wait_all() { emu::wgmma_wait(0); }
// The emulator's host compiler sees the accumulators escape into the wgmma calls; nothing to pin, no proxies.
template <typename X> __device__ __forceinline__ void pin(X&) {}
__device__ __forceinline__ void fence_async_shared() {}
#else
__device__ __forceinline__ void wg_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wg_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wg_wait_all() { asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory"); }

// Empty volatile asm that claims to read and write every register of x: ordered with the wgmma fence and wait (also
// volatile), it keeps the compiler's own reads and writes of x on the right side of them.
template <int R> __device__ __forceinline__ void pin(float (&x)[R]) {
#pragma unroll
  for (int i = 0; i < R; i++) asm volatile("" : "+f"(x[i])::"memory");
}
template <int R> __device__ __forceinline__ void pin(uint32_t (&x)[R][4]) {
#pragma unroll
  for (int i = 0; i < R; i++)
    asm volatile("" : "+r"(x[i][0]), "+r"(x[i][1]), "+r"(x[i][2]), "+r"(x[i][3])::"memory");
}

// Orders this thread's completed generic-proxy writes to shared memory (cp.async, st.shared) before later async-proxy
// reads of it (wgmma operands); the barrier after it extends that to the other threads.
__device__ __forceinline__ void fence_async_shared() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }
#endif

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

template <typename T, int DP, int BC>
__device__ __forceinline__ void attention(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                          T* __restrict__ o, int nq, int nk, int heads, int d, int ldq, int ldkv,
                                          float scale_log2, int causal) {
  constexpr int SMEM = smem_bytes(DP, BC);
  constexpr int KS = DP / 16;  // k-steps of S = Q K^T
  constexpr int PS = BC / 16;  // k-steps of O += P V
  static_assert(DP % 16 == 0 && BC % 16 == 0 && DP <= 256 && BC <= 256, "wgmma tile sizes");
  extern __shared__ __align__(128) unsigned char sdj_wgmma_dynamic[];
  {
    uint32_t have;
#ifdef SDJ_EMU
    have = emu::dynamic_shared_size();
#else
    asm volatile("mov.u32 %0, %%dynamic_smem_size;\n" : "=r"(have));
#endif
    if (have < (uint32_t)SMEM) __trap();  // launched with less than AttentionKernels.wgmmaSharedBytes
  }
  T* const qs = reinterpret_cast<T*>(sdj_wgmma_dynamic);
  T* const kv = qs + BR * DP;  // stage s: K at kv + s * 2 * BC * DP, V BC * DP after it

  const int wg = threadIdx.x >> 7;
  const int warp = (threadIdx.x >> 5) & 3;  // warp within the warpgroup
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;
  const int t = lane & 3;
  const int q0 = blockIdx.x * BR;
  const int wrow = q0 + 64 * wg;  // first query row of this warpgroup
  const HeadView<T> hv = head_view(q, k, v, o, nq, nk, heads, d, ldq, ldkv);
  const T* qb = hv.q;
  const T* kb = hv.k;
  const T* vb = hv.v;
  T* ob = hv.o;
  const bool vec = hv.vec;
  const int kv_end = causal ? min(nk, q0 + BR) : nk;
  const int tiles = (kv_end + BC - 1) / BC;
  float sc = scale_log2;
  const bool negate = sc < 0.f;
  if (negate) sc = -sc;

  load_tile<T, DP, BR>(qs, qb, q0, nq, d, hv.q_stride, vec);
  cp_async_commit();
  if (tiles > 0) {
    load_tile<T, DP, BC>(kv, kb, 0, nk, d, hv.kv_stride, vec);
    load_tile<T, DP, BC>(kv + BC * DP, vb, 0, nk, d, hv.kv_stride, vec);
    cp_async_commit();
  }
  if (negate) {
    cp_async_wait<0>();
    __syncthreads();
    uint32_t* w = reinterpret_cast<uint32_t*>(qs);
    for (int i = threadIdx.x; i < BR * DP / 2; i += THREADS) w[i] ^= 0x80008000u;
    // the fence and barrier at the top of the first key tile publish these stores to every warpgroup's wgmma
  }

  // Descriptors (layout notes at the top); advancing one only adds to its start address field (bits 0-13, in
  // 16-byte units), which stays below 2^14 for shared addresses under 256 KiB. LBO and SBO follow the PTX ISA's
  // canonical no-swizzle layouts (LBO the stride along K, SBO along M/N, in both majors; its MN-major bf16 example has
  // LBO = 128 and SBO = 64 elements on the same layout) and CUTLASS's make_gmma_desc. Not yet run on a GPU: should the
  // output be wrong, swap V's two offsets first (P V alone), then Q's and K's.
  const uint64_t q_desc = make_desc(smem(qs) + 64u * wg * 16u, BR * 16, 128);
  const uint64_t k_desc0 = make_desc(smem(kv), BC * 16, 128);
  const uint64_t v_desc0 = make_desc(smem(kv + BC * DP), 128, BC * 16);
  constexpr uint32_t STAGE = 2 * BC * DP * 2 / 16;  // one stage of K and V, in 16-byte units

  float acc[DP / 2];
#pragma unroll
  for (int i = 0; i < DP / 2; i++) acc[i] = 0.f;
  float m[2] = {-INFINITY, -INFINITY};  // running maxima of rows g and g + 8 of the warp's 16, scaled (log2 domain)
  float l[2] = {0.f, 0.f};              // this thread's share of their running sums

  for (int j = 0; j < tiles; j++) {
    const int k0 = j * BC;
    const uint32_t stage = (uint32_t)(j & 1) * STAGE;
    if (j + 1 < tiles) {
      T* next = kv + ((j + 1) & 1) * 2 * BC * DP;
      load_tile<T, DP, BC>(next, kb, k0 + BC, nk, d, hv.kv_stride, vec);
      load_tile<T, DP, BC>(next + BC * DP, vb, k0 + BC, nk, d, hv.kv_stride, vec);
      cp_async_commit();
      cp_async_wait<1>();  // everything but the prefetch just issued: the query tile and tile j
    } else {
      cp_async_wait<0>();
    }
    fence_async_shared();
    __syncthreads();  // tile j (and the query tile) is in shared memory for every warpgroup's wgmma

    float s[BC / 2];  // not initialised: the first k-step runs with scale-d 0, which does not read it
    wg_fence();
#pragma unroll
    for (int kk = 0; kk < KS; kk++)
      WgmmaSS<T, BC>::run(s, q_desc + (uint64_t)(2 * kk * BR), k_desc0 + stage + (uint64_t)(2 * kk * BC), kk > 0);
    wg_commit();
    wg_wait_all();
    pin(s);

    // As in flash_attention.cu: a tile with masked keys (for this warpgroup's rows) is scaled here, masked scores
    // -inf, and enters the exponent with factor 1; the others stay raw and are scaled inside the fma.
    float tsc = sc;
    if (k0 + BC > nk || (causal && k0 + BC - 1 > wrow)) {
      tsc = 1.f;
#pragma unroll
      for (int i = 0; i < BC / 2; i++) {
        const int key = k0 + (i >> 2) * 8 + t * 2 + (i & 1);
        const int row = wrow + warp * 16 + g + ((i >> 1) & 1) * 8;
        const bool masked = key >= nk || (causal && key > row);
        s[i] = masked ? -INFINITY : s[i] * sc;
      }
    }
    float nb[2];
    float alpha[2];
    bool grew = false;
#pragma unroll
    for (int h = 0; h < 2; h++) {
      float mx = s[2 * h];
#pragma unroll
      for (int j8 = 0; j8 < BC / 8; j8++) mx = fmaxf(mx, fmaxf(s[4 * j8 + 2 * h], s[4 * j8 + 2 * h + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float mnew = fmaxf(m[h], mx * tsc);
      const float base = mnew == -INFINITY ? 0.f : mnew;
      alpha[h] = ex2(m[h] - base);
      grew |= mnew != m[h];
      m[h] = mnew;
      nb[h] = -base;
    }
    if (__any_sync(0xffffffffu, grew)) {
#pragma unroll
      for (int h = 0; h < 2; h++) l[h] *= alpha[h];
#pragma unroll
      for (int i = 0; i < DP / 2; i++) acc[i] *= alpha[(i >> 1) & 1];
    }
    uint32_t pa[PS][4];
#pragma unroll
    for (int kt = 0; kt < PS; kt++)
#pragma unroll
      for (int r = 0; r < 4; r++) {
        const int i = 8 * kt + 2 * r;  // s[i], s[i + 1]: one row (r & 1), two adjacent keys
        const float p0 = ex2(fmaf(s[i], tsc, nb[r & 1]));
        const float p1 = ex2(fmaf(s[i + 1], tsc, nb[r & 1]));
        l[r & 1] += p0 + p1;
        pa[kt][r] = pack2<T>(p0, p1);
      }

    pin(acc);
    pin(pa);
    wg_fence();
#pragma unroll
    for (int kt = 0; kt < PS; kt++) WgmmaRS<T, DP>::run(acc, pa[kt], v_desc0 + stage + (uint64_t)(16 * kt), 1);
    wg_commit();
    wg_wait_all();
    pin(acc);
    __syncthreads();  // no warpgroup still reads stage j & 1, which the next prefetch overwrites
  }
  cp_async_wait<0>();  // the query tile when there were no keys

  const bool pairs = (d % 2 == 0) && ((reinterpret_cast<uintptr_t>(ob) & 3) == 0);
#pragma unroll
  for (int h = 0; h < 2; h++) {
    float s_ = l[h];
    s_ += __shfl_xor_sync(0xffffffffu, s_, 1);
    s_ += __shfl_xor_sync(0xffffffffu, s_, 2);
    const float inv = s_ > 0.f ? 1.f / s_ : 0.f;
    const int row = wrow + warp * 16 + g + h * 8;
    if (row >= nq) continue;
    T* orow = ob + (long long)row * heads * d;
#pragma unroll
    for (int n = 0; n < DP / 8; n++) {
      const int col = n * 8 + t * 2;
      store_pair<T>(orow, col, d, pairs, acc[4 * n + 2 * h] * inv, acc[4 * n + 2 * h + 1] * inv);
    }
  }
}

}  // namespace wgmma
}  // namespace sdj

// DP: padded head size (wgmma's N of O += P V), BC: keys per tile (N of S = Q K^T), MINB: blocks per SM for
// __launch_bounds__. AttentionKernels.wgmmaKeys and AttentionKernels.wgmmaSharedBytes mirror this table.
#define SDJ_WGMMA(T, S, DP, BC, MINB)                                                                           \
  extern "C" __global__ void __launch_bounds__(sdj::wgmma::THREADS, MINB)                                       \
      sdj_flash_attention_wgmma_##S##_d##DP(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads, \
                                            int d, int ldq, int ldkv, float scale_log2, int causal) {           \
    sdj::wgmma::attention<T, DP, BC>(q, k, v, o, nq, nk, heads, d, ldq, ldkv, scale_log2, causal);            \
  }

#define SDJ_WGMMA_ALL(T, S)       \
  SDJ_WGMMA(T, S, 48, 128, 2)     \
  SDJ_WGMMA(T, S, 64, 128, 2)     \
  SDJ_WGMMA(T, S, 80, 64, 2)      \
  SDJ_WGMMA(T, S, 128, 128, 1)    \
  SDJ_WGMMA(T, S, 160, 128, 1)

SDJ_WGMMA_ALL(__half, f16)
SDJ_WGMMA_ALL(__nv_bfloat16, bf16)
