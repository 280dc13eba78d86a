// Hopper's warpgroup MMA for flash_attention_wgmma.cu (sm_90a): the wgmma.mma_async wrappers its tiles need, the
// fence / commit / wait around them, the register pins that keep the compiler's accesses on the right side of those,
// and the shared-memory layouts (no swizzle, swizzled) and descriptors its operands use (the layout notes at the top of
// flash_attention_wgmma.cu). Under SDJ_EMU (sd-cuda's CPU emulator, src/test/emu) each instruction is the emulator's
// model of it (emu_wgmma.cpp); nvcc never sees those branches.
#pragma once
#include <cuda.h>

#include "attention.cuh"

namespace sdj {
namespace wgmma {

// Element offset of (r, c) in a tile of `rows` rows stored as 8-column chunks (see the layout notes above).
__host__ __device__ constexpr int tile_offset(int r, int c, int rows) { return (c >> 3) * rows * 8 + r * 8 + (c & 7); }

// Swizzled tiles (the kernels' W and QW; the PTX ISA's 32-, 64- and 128-byte swizzle modes, which bulk tensor copies
// write and wgmma reads): a tile of R rows and DP columns is stored as DP / E column blocks of E = W / 2 elements (W
// the swizzle width in bytes, E dividing DP), each block its R rows of W bytes one after another, which is where a
// bulk tensor copy of an E-column box with that swizzle puts them; within a row, 16-byte chunk c sits at chunk
// c ^ ((r * W / 128) % (W / 16)): the XOR of address bits 4.. with bits 7.. that the copy engine applies writing and
// wgmma reading, for a block starting on a multiple of 8 W bytes. Rows of 32 bytes or more are whole 32-byte sectors
// of the copies' global reads, where the no-swizzle layout's 16-byte rows are half ones.

// Element offset of (r, c) in a swizzled tile of `rows` rows, swizzle width W.
template <int W>
__host__ __device__ constexpr int swizzled_offset(int r, int c, int rows) {
  return (c / (W / 2)) * rows * (W / 2) + r * (W / 2) +
         ((((c % (W / 2)) >> 3) ^ ((r * W >> 7) & (W / 16 - 1))) << 3) + (c & 7);
}

// Element offset of (r, c) in a K or V stage of W's layout: chunked (tile_offset) where W is 0, else swizzled.
template <int W>
__host__ __device__ constexpr int stage_offset(int r, int c, int rows) {
  if constexpr (W == 0) {
    return tile_offset(r, c, rows);
  } else {
    return swizzled_offset<W>(r, c, rows);
  }
}

// A shared-memory matrix descriptor: start address, leading and stride byte offsets (all multiples of 16 bytes below
// 256 KiB), and the swizzle width W in bytes (0: none), whose mode goes in bits 62-63 (1: 128 bytes, 2: 64, 3: 32);
// base offset 0, which takes the swizzled operands' blocks on multiples of 8 W bytes.
__host__ __device__ constexpr uint64_t make_desc(uint32_t addr, uint32_t lbo, uint32_t sbo, int W = 0) {
  return (uint64_t)((addr & 0x3FFFFu) >> 4) | ((uint64_t)((lbo & 0x3FFFFu) >> 4) << 16) |
         ((uint64_t)((sbo & 0x3FFFFu) >> 4) << 32) |
         ((uint64_t)(W == 128 ? 1 : W == 64 ? 2 : W == 32 ? 3 : 0) << 62);
}

// wgmma wrappers: S (both operands from descriptors, K-major, no transpose) and O (A from registers, B transposed);
// and S with A from registers, B not transposed (the query tile's fragments held in registers, FLAG_QUERY_REGISTERS).
// scale_d 0 overwrites the accumulators, 1 adds to them; imm-scale-a/b are 1. Under SDJ_EMU, the CPU emulator's model
// of the same instructions (src/test/emu/emu_wgmma.cpp).
#ifdef SDJ_EMU
template <typename T, int N> struct WgmmaSS {
  static void run(float (&d)[N / 2], uint64_t a, uint64_t b, int scale_d) {
    emu::wgmma_ss(d, N, a, b, scale_d != 0, std::is_same_v<T, __nv_bfloat16>, false);
  }
};
template <typename T, int N, bool TRANS_B = true> struct WgmmaRS {
  static void run(float (&d)[N / 2], const uint32_t (&a)[4], uint64_t b, int scale_d) {
    emu::wgmma_rs(d, N, a, b, scale_d != 0, std::is_same_v<T, __nv_bfloat16>, TRANS_B);
  }
};
#else
template <typename T, int N> struct WgmmaSS;
template <typename T, int N, bool TRANS_B = true> struct WgmmaRS;
// The operand lists of the wgmma asm statements, for N / 2 accumulators: their names (%0 ..), 8 at a time, and the
// accumulators d[..] as read-write operands ("+f"), 8 at a time; SDJ_REGS_G and SDJ_ACC_G hold G groups of 8.
#define SDJ_R8_0 "%0, %1, %2, %3, %4, %5, %6, %7"
#define SDJ_R8_1 "%8, %9, %10, %11, %12, %13, %14, %15"
#define SDJ_R8_2 "%16, %17, %18, %19, %20, %21, %22, %23"
#define SDJ_R8_3 "%24, %25, %26, %27, %28, %29, %30, %31"
#define SDJ_R8_4 "%32, %33, %34, %35, %36, %37, %38, %39"
#define SDJ_R8_5 "%40, %41, %42, %43, %44, %45, %46, %47"
#define SDJ_R8_6 "%48, %49, %50, %51, %52, %53, %54, %55"
#define SDJ_R8_7 "%56, %57, %58, %59, %60, %61, %62, %63"
#define SDJ_R8_8 "%64, %65, %66, %67, %68, %69, %70, %71"
#define SDJ_R8_9 "%72, %73, %74, %75, %76, %77, %78, %79"
#define SDJ_R8_10 "%80, %81, %82, %83, %84, %85, %86, %87"
#define SDJ_R8_11 "%88, %89, %90, %91, %92, %93, %94, %95"
#define SDJ_R8_12 "%96, %97, %98, %99, %100, %101, %102, %103"
#define SDJ_R8_13 "%104, %105, %106, %107, %108, %109, %110, %111"
#define SDJ_R8_14 "%112, %113, %114, %115, %116, %117, %118, %119"
#define SDJ_R8_15 "%120, %121, %122, %123, %124, %125, %126, %127"
#define SDJ_REGS_1 SDJ_R8_0
#define SDJ_REGS_2 SDJ_REGS_1 ", " SDJ_R8_1
#define SDJ_REGS_3 SDJ_REGS_2 ", " SDJ_R8_2
#define SDJ_REGS_4 SDJ_REGS_3 ", " SDJ_R8_3
#define SDJ_REGS_5 SDJ_REGS_4 ", " SDJ_R8_4
#define SDJ_REGS_6 SDJ_REGS_5 ", " SDJ_R8_5
#define SDJ_REGS_7 SDJ_REGS_6 ", " SDJ_R8_6
#define SDJ_REGS_8 SDJ_REGS_7 ", " SDJ_R8_7
#define SDJ_REGS_9 SDJ_REGS_8 ", " SDJ_R8_8
#define SDJ_REGS_10 SDJ_REGS_9 ", " SDJ_R8_9
#define SDJ_REGS_11 SDJ_REGS_10 ", " SDJ_R8_10
#define SDJ_REGS_12 SDJ_REGS_11 ", " SDJ_R8_11
#define SDJ_REGS_13 SDJ_REGS_12 ", " SDJ_R8_12
#define SDJ_REGS_14 SDJ_REGS_13 ", " SDJ_R8_13
#define SDJ_REGS_15 SDJ_REGS_14 ", " SDJ_R8_14
#define SDJ_REGS_16 SDJ_REGS_15 ", " SDJ_R8_15
#define SDJ_ACC8(i)                                                                                    \
  "+f"(d[i]), "+f"(d[i + 1]), "+f"(d[i + 2]), "+f"(d[i + 3]), "+f"(d[i + 4]), "+f"(d[i + 5]), "+f"(d[i + 6]), \
      "+f"(d[i + 7])
#define SDJ_ACC_1 SDJ_ACC8(0)
#define SDJ_ACC_2 SDJ_ACC_1, SDJ_ACC8(8)
#define SDJ_ACC_3 SDJ_ACC_2, SDJ_ACC8(16)
#define SDJ_ACC_4 SDJ_ACC_3, SDJ_ACC8(24)
#define SDJ_ACC_5 SDJ_ACC_4, SDJ_ACC8(32)
#define SDJ_ACC_6 SDJ_ACC_5, SDJ_ACC8(40)
#define SDJ_ACC_7 SDJ_ACC_6, SDJ_ACC8(48)
#define SDJ_ACC_8 SDJ_ACC_7, SDJ_ACC8(56)
#define SDJ_ACC_9 SDJ_ACC_8, SDJ_ACC8(64)
#define SDJ_ACC_10 SDJ_ACC_9, SDJ_ACC8(72)
#define SDJ_ACC_11 SDJ_ACC_10, SDJ_ACC8(80)
#define SDJ_ACC_12 SDJ_ACC_11, SDJ_ACC8(88)
#define SDJ_ACC_13 SDJ_ACC_12, SDJ_ACC8(96)
#define SDJ_ACC_14 SDJ_ACC_13, SDJ_ACC8(104)
#define SDJ_ACC_15 SDJ_ACC_14, SDJ_ACC8(112)
#define SDJ_ACC_16 SDJ_ACC_15, SDJ_ACC8(120)

// m64nNk16 with both operands from descriptors (S = Q K^T) and with A from registers, B transposed (O += P V) or not
// (S from the query's fragments), for N = 16 G; I0 .. I5 name the operands after the N / 2 accumulators (a, b,
// scale_d; or a's four registers, b, scale_d).
#define SDJ_WGMMA_N(T, TY, N, G, I0, I1, I2, I3, I4, I5)                                                       \
  template <> struct WgmmaSS<T, N> {                                                                           \
    static __device__ __forceinline__ void run(float (&d)[N / 2], uint64_t a, uint64_t b, int scale_d) {       \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, " I2 ", 0;\n"                                            \
                   "wgmma.mma_async.sync.aligned.m64n" #N "k16.f32." TY "." TY " {" SDJ_REGS_##G "}, " I0 ", " \
                   I1 ", p, 1, 1, 0, 0;\n}\n"                                                                  \
                   : SDJ_ACC_##G                                                                               \
                   : "l"(a), "l"(b), "r"(scale_d));                                                            \
    }                                                                                                          \
  };                                                                                                           \
  SDJ_WGMMA_RS(T, TY, N, G, I0, I1, I2, I3, I4, I5, true, "1")                                                 \
  SDJ_WGMMA_RS(T, TY, N, G, I0, I1, I2, I3, I4, I5, false, "0")
#define SDJ_WGMMA_RS(T, TY, N, G, I0, I1, I2, I3, I4, I5, TRANS_B, TB)                                         \
  template <> struct WgmmaRS<T, N, TRANS_B> {                                                                  \
    static __device__ __forceinline__ void run(float (&d)[N / 2], const uint32_t (&a)[4], uint64_t b,          \
                                               int scale_d) {                                                  \
      asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, " I5 ", 0;\n"                                            \
                   "wgmma.mma_async.sync.aligned.m64n" #N "k16.f32." TY "." TY " {" SDJ_REGS_##G "}, {" I0     \
                   ", " I1 ", " I2 ", " I3 "}, " I4 ", p, 1, 1, " TB ";\n}\n"                                   \
                   : SDJ_ACC_##G                                                                               \
                   : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "r"(scale_d));                        \
    }                                                                                                          \
  };
// The N the kernels use: padded head sizes (O's N) and keys per tile (S's N).
#define SDJ_WGMMA_SHAPES(X, T, TY) \
  X(T, TY, 48, 3, "%24", "%25", "%26", "%27", "%28", "%29") \
  X(T, TY, 64, 4, "%32", "%33", "%34", "%35", "%36", "%37") \
  X(T, TY, 80, 5, "%40", "%41", "%42", "%43", "%44", "%45") \
  X(T, TY, 96, 6, "%48", "%49", "%50", "%51", "%52", "%53") \
  X(T, TY, 112, 7, "%56", "%57", "%58", "%59", "%60", "%61") \
  X(T, TY, 128, 8, "%64", "%65", "%66", "%67", "%68", "%69") \
  X(T, TY, 144, 9, "%72", "%73", "%74", "%75", "%76", "%77") \
  X(T, TY, 160, 10, "%80", "%81", "%82", "%83", "%84", "%85") \
  X(T, TY, 176, 11, "%88", "%89", "%90", "%91", "%92", "%93") \
  X(T, TY, 192, 12, "%96", "%97", "%98", "%99", "%100", "%101") \
  X(T, TY, 256, 16, "%128", "%129", "%130", "%131", "%132", "%133")
SDJ_WGMMA_SHAPES(SDJ_WGMMA_N, __half, "f16")
SDJ_WGMMA_SHAPES(SDJ_WGMMA_N, __nv_bfloat16, "bf16")
#endif  // SDJ_EMU

#ifdef SDJ_EMU
__device__ __forceinline__ void wg_fence() { emu::wgmma_fence(); }
__device__ __forceinline__ void wg_commit() { emu::wgmma_commit(); }
// wgmma.wait_group N: at most N of this thread's committed batches still in flight.
template <int N> __device__ __forceinline__ void wg_wait() { emu::wgmma_wait(N); }
// The emulator's host compiler sees the accumulators escape into the wgmma calls; nothing to pin, no proxies.
template <typename X> __device__ __forceinline__ void pin(X&) {}
template <int R> __device__ __forceinline__ void move_registers(uint32_t (&dst)[R][4], const uint32_t (&src)[R][4]) {
  std::memcpy(dst, src, sizeof dst);
}
__device__ __forceinline__ void fence_async_shared() {}
__device__ __forceinline__ void hold_before_wait(uint32_t, uint32_t) {}
#else
__device__ __forceinline__ void wg_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wg_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
// wgmma.wait_group N: at most N of this thread's committed batches still in flight.
template <int N> __device__ __forceinline__ void wg_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

// Keeps the instructions that computed x and y above the next wgmma.wait_group. ptxas moves a wait_group up past the
// arithmetic before it, which it has no data dependence on (the SASS of every table kernel had the wait for O += P V
// of tile j - 1 right after the first max of tile j's softmax: no softmax under that product), but not past an
// instruction with a side effect: here a nanosleep of 0 that reads x and y; what they do not depend on may still go
// below the wait (a tile's last exponential alone held 11 of 58 at one shape: ptxas had computed it early). It runs
// only where both are the bit pattern 0xffffffff, a NaN that no exponential or sum of them yields, and would cost
// nothing if it ran.
__device__ __forceinline__ void hold_before_wait(uint32_t x, uint32_t y) {
  asm volatile("{\n\t.reg .pred p;\n\tsetp.eq.b32 p, %0, -1;\n\tsetp.eq.and.b32 p, %1, -1, p;\n\t"
               "@p nanosleep.u32 0;\n\t}\n" ::"r"(x), "r"(y));
}

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

// dst := src as real moves into dst's own registers: plain copies, which the compiler folds away, left src's
// registers as a later product's operands, for src's next values to overwrite while that product ran (ptxas then
// serializes the wgmma).
template <int R> __device__ __forceinline__ void move_registers(uint32_t (&dst)[R][4], const uint32_t (&src)[R][4]) {
#pragma unroll
  for (int i = 0; i < R; i++)
#pragma unroll
    for (int j = 0; j < 4; j++) asm volatile("mov.b32 %0, %1;\n" : "=&r"(dst[i][j]) : "r"(src[i][j]));
}

// Orders this thread's completed generic-proxy writes to shared memory (cp.async, st.shared) before later async-proxy
// reads of it (wgmma operands); the barrier after it extends that to the other threads.
__device__ __forceinline__ void fence_async_shared() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }
#endif

// mbarriers in shared memory (PTX ISA, "Parallel Synchronization and Communication Instructions: mbarrier"): the
// producer/consumer handshakes of the warp-specialized kernel. Initialised by one thread, published by a barrier.
__device__ __forceinline__ void mbar_init(uint64_t* bar, int count) {
#ifdef SDJ_EMU
  emu::mbarrier_init(smem(bar), count);
#else
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(smem(bar)), "r"(count) : "memory");
#endif
}

// Makes the barriers this thread initialised visible to the bulk copies that complete on them (before the block's
// barrier that publishes them to the other threads).
__device__ __forceinline__ void fence_mbar_init() {
#ifndef SDJ_EMU
  asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
#endif
}

// One arrival (release: this thread's earlier writes are visible to whoever sees the phase complete).
__device__ __forceinline__ void mbar_arrive(uint64_t* bar) {
#ifdef SDJ_EMU
  emu::mbarrier_arrive(smem(bar));
#else
  asm volatile("{\n.reg .b64 state;\nmbarrier.arrive.shared::cta.b64 state, [%0];\n}\n" ::"r"(smem(bar)) : "memory");
#endif
}

// One arrival once every cp.async this thread has issued so far has landed (.noinc: the barrier's count includes it).
__device__ __forceinline__ void cp_async_mbar_arrive(uint64_t* bar) {
#ifdef SDJ_EMU
  emu::cp_async_mbarrier_arrive_noinc(smem(bar));
#else
  asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];\n" ::"r"(smem(bar)) : "memory");
#endif
}

// Waits until the phase of parity `parity` has completed (acquire). A fresh barrier counts the phase before its first
// (parity 1) as completed, so a producer's first wait on an empty stage passes.
__device__ __forceinline__ void mbar_wait(uint64_t* bar, int parity) {
#ifdef SDJ_EMU
  emu::mbarrier_wait_parity(smem(bar), parity);
#else
  // The label is local to the braces, so every inlined copy may have its own.
  asm volatile(
      "{\n.reg .pred done;\nWAIT:\n"
      "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
      "@!done bra WAIT;\n}\n" ::"r"(smem(bar)),
      "r"(parity)
      : "memory");
#endif
}

// `bytes` more to come on the barrier through bulk copies (tma_load), then one arrival: its phase completes when both
// the arrivals and the bytes are in.
__device__ __forceinline__ void mbar_expect_bytes(uint64_t* bar, int bytes) {
#ifdef SDJ_EMU
  emu::mbarrier_arrive_expect_tx(smem(bar), bytes);
#else
  asm volatile("{\n.reg .b64 state;\nmbarrier.arrive.expect_tx.shared::cta.b64 state, [%0], %1;\n}\n"
               ::"r"(smem(bar)), "r"(bytes)
               : "memory");
#endif
}

// The bulk tensor copy (TMA) of the 4-d box at (c0, c1, c2, c3) of the tensor `map` describes into shared memory at
// dst (128-byte aligned), completing its bytes on the barrier; elements past the tensor's bounds arrive as zeros. The
// map is a __grid_constant__ kernel parameter, addressed generically.
__device__ __forceinline__ void tma_load(void* dst, const CUtensorMap* map, int c0, int c1, int c2, int c3,
                                         uint64_t* bar) {
#ifdef SDJ_EMU
  const int coords[4] = {c0, c1, c2, c3};
  emu::tma_load(smem(dst), map, coords, smem(bar));
#else
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4, %5}], "
      "[%6];\n" ::"r"(smem(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(smem(bar))
      : "memory");
#endif
}

// tma_load of a 5-d box at (c0 .. c4): the whole-tile copies (OPTION_TMA_TILE in wgmma_attention.cuh).
__device__ __forceinline__ void tma_load5(void* dst, const CUtensorMap* map, int c0, int c1, int c2, int c3, int c4,
                                          uint64_t* bar) {
#ifdef SDJ_EMU
  const int coords[5] = {c0, c1, c2, c3, c4};
  emu::tma_load(smem(dst), map, coords, smem(bar));
#else
  asm volatile(
      "cp.async.bulk.tensor.5d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4, %5, "
      "%6}], [%7];\n" ::"r"(smem(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(c4), "r"(smem(bar))
      : "memory");
#endif
}

// Named barriers (ids 1-15; 0 is __syncthreads'): sync arrives and waits until `count` threads (a multiple of 32) have
// arrived, arrive only arrives. The warp-specialized kernel's consumers take turns issuing their products with them.
__device__ __forceinline__ void named_barrier_sync(int id, int count) {
#ifdef SDJ_EMU
  emu::named_barrier_sync(id, count);
#else
  asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(count) : "memory");
#endif
}
__device__ __forceinline__ void named_barrier_arrive(int id, int count) {
#ifdef SDJ_EMU
  emu::named_barrier_arrive(id, count);
#else
  asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(count) : "memory");
#endif
}

// setmaxnreg: a warpgroup gives up registers (the producer) or takes them (the consumers); N a multiple of 8.
template <int N> __device__ __forceinline__ void release_registers() {
#ifndef SDJ_EMU
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(N));
#endif
}
template <int N> __device__ __forceinline__ void claim_registers() {
#ifndef SDJ_EMU
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(N));
#endif
}

}  // namespace wgmma
}  // namespace sdj
