// A CPU emulation of the CUDA features that sdj's kernels use (layout.cu, norms.cu, group_norm_cluster_sm90.cu,
// pointwise.cu, attention_wide.cu, the mma.sync attention kernels of flash_attention.cu, and the wgmma kernel of
// flash_attention_wgmma.cu), so that g++ can compile them and the sd-cuda tests can run them on the host. build-emu.sh
// force-includes this header before each .cu file. The plain kernels compile unchanged; the attention kernels' inline
// PTX has a branch under SDJ_EMU (defined below) that calls this header's models of the instructions instead.
//
// What it models:
//  - a launch runs its blocks one after another, or with clusters (a launch's cluster size along x) its clusters one
//    after another, the blocks of each together; each CUDA thread of a block is a real host thread (the same threads
//    serve every block or cluster of a launch), so __syncthreads is a true barrier over the block's threads;
//  - clusters: each block of one has its own shared memory and barriers; %cluster_ctarank, mapa (shared::cluster
//    addresses of another block's dynamic shared memory), a float load from there, a remote mbarrier arrival, bulk
//    tensor copies multicast to several blocks (each lands, and counts its bytes on that block's barrier, when a thread
//    of that block waits), and barrier.cluster (every thread of the cluster must come: one that returned earlier
//    deadlocks it, which fails the launch);
//  - __shared__ variables are function-level statics, which the block's threads share and the next block reuses (the
//    blocks of a cluster too: cluster kernels keep to dynamic shared memory);
//    dynamic shared memory (extern __shared__) is the first bytes (the launch's size) of one static buffer, filled
//    with 0xff (a NaN in every float type) at each block's start so that reading what no thread wrote shows;
//  - warp shuffles exchange values through a per-warp buffer between barriers of the warp's 32 threads; a shuffle
//    that reads a lane which has already left the kernel is reported as a launch error;
//  - threads that return early leave their block's and warp's barriers (they no longer count);
//  - atomicAdd on float and int is a real atomic (std::atomic_ref) between the host threads;
//  - warp-collective instructions (mma.sync m16n8k16 with f16/bf16 inputs and float accumulators, ldmatrix .x4 with
//    and without .trans, __ballot_sync / __any_sync / __all_sync) gather every lane's operands through the warp
//    exchange, then each lane takes its own results by the fragment layouts of the PTX ISA; all 32 lanes must take
//    part.
//    mma's products are exact in float and its sums are float sums in k order (a tensor core's rounding differs);
//  - shared-space addresses (__cvta_generic_to_shared) are 32-bit offsets from the dynamic shared memory buffer, which
//    like every static __shared__ buffer is a static of this library, so each fits in 32 bits and the kernels' own
//    address arithmetic holds; the dynamic buffer starts at shared address SHARED_ORIGIN, 128-byte aligned but not
//    256-byte aligned, as the hardware promises no more, so that a kernel assuming more alignment fails where a
//    placement depends on it (swizzled copies and operands); ldmatrix row addresses must be 16-byte aligned;
//  - cp.async of 16 bytes (src_bytes of them read, the rest zero-filled; both addresses 16-byte aligned) clobbers its
//    destination with NaN when issued and completes at the cp.async.wait_group that covers its group, the latest
//    moment PTX allows: a read of the destination before that wait, or by another thread still using the buffer that
//    the copy overwrites, sees NaN (copies still pending when a block's thread returns land before the next block);
//  - wgmma.mma_async m64nNk16 with f16/bf16 inputs and float accumulators (emu_wgmma.cpp): A from a shared-memory
//    descriptor or from registers, B from a descriptor, K-major or (B only) transposed, in the no-swizzle layouts or
//    the 32-, 64- and 128-byte swizzled ones (address bits 4.. XOR bits 7..), base offset 0 (a swizzled operand whose
//    start address is off its pattern, or a nonzero base offset, fails the launch). The products run at the
//    wgmma.wait_group that covers them, the latest moment PTX allows, reading shared memory then; until then the
//    accumulators read as NaN, so a read of them before the wait shows, as does shared memory overwritten before it. A
//    wgmma without a wgmma.fence since the thread's last wait, and a thread that returns with products in flight, fail
//    the launch. Each thread computes its own accumulators (rows 16w + g and 16w + g + 8 of warp w of its warpgroup)
//    from the operands, the A registers of its row through the warp exchange;
//  - mbarriers (init, arrive, cp.async.mbarrier.arrive.noinc, try_wait.parity): the copies a noinc arrival covers land
//    when a thread waits on that barrier, and only then does the arrival count, so a read of them without the wait
//    sees NaN; an mbarrier never initialised, or a phase nobody completes, fails the launch; setmaxnreg and
//    fence.mbarrier_init are no-ops;
//  - bulk tensor copies (cp.async.bulk.tensor, TMA) through the emulator's own tensor maps (TensorMap below), with the
//    same swizzles as wgmma (a swizzled box's rows exactly the swizzle width, its destination on a multiple of 8 times
//    it, or the launch fails): the box reads as NaN from the issue until a thread waits on the copy's mbarrier, when it
//    lands (zeros past the tensor's bounds) and its bytes count against what mbarrier.arrive.expect_tx announced (a
//    phase completes only when both arrivals and bytes are in, so a wrong byte count deadlocks, which fails the
//    launch);
//  - named barriers (bar.sync / bar.arrive with an id and a thread count), counted per thread; a generation nobody
//    completes fails the launch;
//  - ex2.approx.ftz is exact 2^x with subnormal results flushed to 0; %dynamic_smem_size is the launch's; __trap fails
//    the launch;
//  - a barrier nobody completes (threads of a block waiting at different barriers) fails the launch after a timeout
//    instead of hanging.
// What it does not model: timing, memory coalescing or bank conflicts, occupancy and register limits, the GPU's
// approximate math (__expf is expf, rsqrtf is 1/sqrtf, ex2.approx is exp2f, no fused multiply-add contraction),
// lock-step warps (lanes only meet at shuffles, warp-collective instructions and barriers), the async proxy
// (fence.proxy.async is a no-op: shared memory is one memory here), partial masks (every
// shuffle and vote is treated as full-warp), misaligned plain 16-byte accesses (the host may pass them, or crash the
// JVM on an aligned SSE load, where a GPU reports a misaligned address; cp.async and ldmatrix check theirs), and
// concurrent launches (they serialize).
#pragma once

#include <cuda.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <vector_types.h>
#include <vector_functions.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

// The CUDA headers define the execution-space keywords as nothing for a host compiler; __shared__ must instead give
// one variable per block, and launch bounds mean nothing here.
#undef __global__
#undef __device__
#undef __host__
#undef __shared__
#define __global__
#define __device__
#define __host__
#define __shared__ static
#undef __grid_constant__
#define __grid_constant__
// A cluster kernel's size comes with its launch here (sdj_emu_launch).
#undef __cluster_dims__
#define __cluster_dims__(...)
#ifndef __launch_bounds__
#define __launch_bounds__(...)
#endif
#ifndef __forceinline__
#define __forceinline__ inline __attribute__((always_inline))
#endif

namespace emu {

// Where each emulated thread is, set by the runtime before it calls a kernel.
extern thread_local uint3 thread_idx;
extern thread_local uint3 block_idx;
extern dim3 block_dim;
extern dim3 grid_dim;

void sync_block();
void sync_warp();
// Value of `lane`'s v (its slot in the calling warp's exchange buffer) after every lane of the warp stored its own.
uint64_t exchange(uint64_t mine, int lane);
void* dynamic_shared();

template <typename T>
T shuffle(T v, int src_lane) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "shuffles move up to 8 bytes");
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  uint64_t got = exchange(bits, src_lane);
  T r;
  std::memcpy(&r, &got, sizeof(T));
  return r;
}

inline int linear_thread() {
  return (int)(thread_idx.x + thread_idx.y * block_dim.x + thread_idx.z * block_dim.x * block_dim.y);
}
inline int lane_id() { return linear_thread() & 31; }

// Every lane of the calling warp stores `words` (at most 8) 32-bit words, then reads everyone's: the result holds lane
// L's words at [L * 8, L * 8 + words), valid until the lane's next warp-collective call. All 32 lanes must call it
// together; one missing fails the launch.
const uint32_t* gather(const uint32_t* mine, int words);
// Whether pred holds on each lane of the warp (bit L for lane L), as __ballot_sync over the full warp.
unsigned ballot(bool pred);

// Shared-space addresses (what __cvta_generic_to_shared gives and ldmatrix and cp.async take): the signed 32-bit offset
// of a pointer from the launch's dynamic shared memory. Every __shared__ buffer lies inside this library (statics and
// the dynamic buffer alike), so any of them fits, and offsets the kernel adds to such an address stay valid; a pointer
// more than 2 GiB away from it fails the launch (a nearer one that is not shared memory passes unnoticed).
size_t shared_address(const void* p);
unsigned char* shared_pointer(uint32_t address);
unsigned dynamic_shared_size();
// The shared address of the dynamic buffer's first byte.
constexpr uint32_t SHARED_ORIGIN = 384;
// Where a shared address lies in the dynamic buffer (negative before it).
inline long long dynamic_offset(uint32_t address) { return (long long)(int32_t)address - SHARED_ORIGIN; }
// A 16-byte chunk's shared address under a swizzle of `width` bytes (0, 32, 64 or 128): address bits 4 .. 3 +
// log2(width / 16) XOR bits 7 .., as bulk tensor copies write and wgmma reads.
inline uint32_t swizzle(uint32_t address, uint32_t width) {
  return width == 0 ? address : address ^ (((address >> 7) & (width / 16 - 1)) << 4);
}

// The tensor-core attention kernels' PTX (attention.cuh, flash_attention.cuh call these under SDJ_EMU).
// mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}: c += a b over the warp's fragments, products and sums in float.
void mma_f16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1);
void mma_bf16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1);
// ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16.
void ldmatrix_x4(uint32_t (&r)[4], uint32_t address, bool trans);
// cp.async.cg.shared.global of 16 bytes, src_bytes of them read and the rest zero-filled; commit_group, wait_group.
void cp_async16(uint32_t dst, const void* src, int src_bytes);
void cp_async_commit();
void cp_async_wait(int pending);
// __trap: fails the launch.
[[noreturn]] void trap();
// Fails the launch from inside a kernel with `what`, prefixed by where the calling thread is, and unwinds the thread.
[[noreturn]] void launch_error(const char* what);
// The value of a 16-bit float or bfloat16 in the low half of `bits`.
float f16_bits(uint32_t bits);
float bf16_bits(uint32_t bits);

// mbarrier.init.shared.b64 [address], count; mbarrier.arrive (one arrival); cp.async.mbarrier.arrive.noinc (one
// arrival once every cp.async this thread issued so far has landed: here, when some thread waits on the barrier);
// mbarrier.try_wait.parity in a loop until the phase of that parity has completed (a wait that never ends fails the
// launch).
void mbarrier_init(uint32_t address, int count);
void mbarrier_arrive(uint32_t address);
void cp_async_mbarrier_arrive_noinc(uint32_t address);
void mbarrier_wait_parity(uint32_t address, int parity);
// mbarrier.arrive.expect_tx (`bytes` more to come through copies that complete on the barrier, then one arrival): a
// phase completes when its arrivals have come and its transaction bytes have landed.
void mbarrier_arrive_expect_tx(uint32_t address, int bytes);

// The emulator's tensor maps: its own layout of the 128 bytes of a CUtensorMap, which sd-cuda's tests write where the
// driver's cuTensorMapEncodeTiled writes its opaque one (EmulatedDispatch.tensorMap). Row-major boxes of `box`
// elements per dimension, dimension 0 contiguous; swizzle width in bytes (0: none), no interleave, element strides 1;
// strides in bytes of dimensions 1 .. rank - 1.
struct TensorMap {
  uint64_t address;
  uint32_t rank;
  uint32_t element_bytes;
  uint64_t dims[5];
  uint64_t strides[5];
  uint32_t box[5];
  uint32_t swizzle;
};
static_assert(sizeof(TensorMap) <= sizeof(CUtensorMap), "the emulator's tensor map fits a CUtensorMap");
// cp.async.bulk.tensor.Nd.shared::cluster.global.tile.mbarrier::complete_tx::bytes [dst], [map, {coords}], [mbar]:
// the box at `coords` (rank of them, dimension 0 first) into shared memory at dst (128-byte aligned), elements past
// the tensor's bounds zero-filled. The destination reads as NaN from the issue until a thread waits on the barrier,
// when the copy lands and its bytes count (the latest moment PTX allows).
void tma_load(uint32_t dst, const CUtensorMap* map, const int* coords, uint32_t mbar);
// The same with .multicast::cluster: the box into shared memory at dst of every block of the cluster in `mask` (bit r
// for rank r), completing on each one's barrier at mbar.
void tma_load_multicast(uint32_t dst, const CUtensorMap* map, const int* coords, uint32_t mbar, uint16_t mask);

// Clusters: %cluster_ctarank and %cluster_nctarank; mapa.shared::cluster (the address of the same byte of block
// `rank`'s dynamic shared memory); ld.shared::cluster.f32 and mbarrier.arrive.release.cluster.shared::cluster at such
// an address; barrier.cluster arrive and wait.
int cluster_rank();
int cluster_blocks();
uint32_t map_shared(uint32_t address, int rank);
float load_shared_cluster_f32(uint32_t address);
void mbarrier_arrive_cluster(uint32_t address);
void cluster_sync();

// bar.sync id, count (arrive and wait until `count` threads have arrived) and bar.arrive id, count (arrive only),
// named barriers 1-15.
void named_barrier_sync(int id, int count);
void named_barrier_arrive(int id, int count);

// The wgmma kernel's PTX (flash_attention_wgmma.cu calls these under SDJ_EMU), in emu_wgmma.cpp.
// wgmma.mma_async.sync.aligned.m64nNk16.f32.{f16,bf16}: this thread's n / 2 accumulators d += A B (d = A B without
// accumulate), A [64, 16] from shared memory through a_desc (K-major) or from the warpgroup's registers (a: 4 per
// thread), B [16, n] through b_desc, K-major or MN-major where trans_b.
void wgmma_ss(float* d, int n, uint64_t a_desc, uint64_t b_desc, bool accumulate, bool bf16, bool trans_b);
void wgmma_rs(float* d, int n, const uint32_t (&a)[4], uint64_t b_desc, bool accumulate, bool bf16, bool trans_b);
// wgmma.fence, wgmma.commit_group, wgmma.wait_group N.
void wgmma_fence();
void wgmma_commit();
void wgmma_wait(int pending);
// The runtime's end of a block for the calling thread: fails the launch if it returns with products in flight, and
// forgets them.
void wgmma_block_end();

// ex2.approx.ftz.f32: exactly 2^x here, with results below the smallest normal float flushed to +0.
inline float ex2_ftz(float x) {
  float y = exp2f(x);
  return y < 0x1p-126f ? 0.f : y;
}
// ex2.approx.f16x2 on a packed pair of float16 (low half first): each half exactly 2^x rounded to float16 here (the
// hardware's approximation is coarser; only a GPU shows by how much).
uint32_t ex2_f16x2(uint32_t x);

}  // namespace emu

// Kernel sources take the emulator's branch of their inline PTX where they test this.
#define SDJ_EMU 1

inline size_t __cvta_generic_to_shared(const void* p) { return emu::shared_address(p); }
[[noreturn]] inline void __trap() { emu::trap(); }
inline unsigned __ballot_sync(unsigned, bool pred) { return emu::ballot(pred); }
inline bool __any_sync(unsigned, bool pred) { return emu::ballot(pred) != 0; }
inline bool __all_sync(unsigned, bool pred) { return emu::ballot(pred) == 0xffffffffu; }

#define threadIdx (::emu::thread_idx)
#define blockIdx (::emu::block_idx)
#define blockDim (::emu::block_dim)
#define gridDim (::emu::grid_dim)

inline void __syncthreads() { emu::sync_block(); }
// The lanes of the calling warp meet (all 32 must come).
inline void __syncwarp(unsigned = 0xffffffffu) { emu::sync_warp(); }

template <typename T>
inline T __shfl_sync(unsigned, T v, int src) {
  return emu::shuffle(v, src & 31);
}
template <typename T>
inline T __shfl_xor_sync(unsigned, T v, int mask) {
  return emu::shuffle(v, (emu::lane_id() ^ mask) & 31);
}
template <typename T>
inline T __shfl_down_sync(unsigned, T v, unsigned delta) {
  int lane = emu::lane_id();
  int src = lane + (int)delta;
  return emu::shuffle(v, src < 32 ? src : lane);
}
template <typename T>
inline T __shfl_up_sync(unsigned, T v, unsigned delta) {
  int lane = emu::lane_id();
  int src = lane - (int)delta;
  return emu::shuffle(v, src >= 0 ? src : lane);
}

// Atomics on shared or global memory: every emulated thread is a host thread, so they are real atomics.
inline float atomicAdd(float* address, float v) { return std::atomic_ref<float>(*address).fetch_add(v); }
inline int atomicAdd(int* address, int v) { return std::atomic_ref<int>(*address).fetch_add(v); }

// Device math the host library lacks, or has under another name. Fast intrinsics take the exact function: the
// emulator checks indexing and arithmetic, not the GPU's last bits.
inline float rsqrtf(float x) { return 1.f / sqrtf(x); }
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __frcp_rn(float x) { return 1.f / x; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
// a + b rounded down: the double sum of two floats is exact, then stepped down to the float below where rounding to
// nearest went up.
inline float __fadd_rd(float a, float b) {
  const double s = (double)a + (double)b;
  const float r = (float)s;
  return (double)r > s ? std::nextafter(r, -INFINITY) : r;
}
inline int __float_as_int(float x) { return std::bit_cast<int>(x); }
inline float __int_as_float(int x) { return std::bit_cast<float>(x); }
inline unsigned __float_as_uint(float x) { return std::bit_cast<unsigned>(x); }
inline float __uint_as_float(unsigned x) { return std::bit_cast<float>(x); }
inline float __saturatef(float x) { return x < 0.f ? 0.f : (x > 1.f ? 1.f : x); }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }

// The kernel registry: build-emu.sh appends one SDJ_EMU_KERNEL(name) line per extern "C" kernel of a file, and the
// runtime launches a kernel by name through the trampoline this makes.
namespace emu {

// One character per parameter: 'p' pointer, 'l' 64-bit integer, 'i' 32-bit integer, 'f' float, 'm' a CUtensorMap (by
// value, as __grid_constant__), '?' anything else.
template <typename P>
constexpr char kind() {
  if constexpr (std::is_pointer_v<P>) return 'p';
  else if constexpr (std::is_same_v<P, float>) return 'f';
  else if constexpr (std::is_integral_v<P> && sizeof(P) == 8) return 'l';
  else if constexpr (std::is_integral_v<P> && sizeof(P) == 4) return 'i';
  else if constexpr (std::is_same_v<std::remove_cv_t<P>, CUtensorMap>) return 'm';
  else return '?';
}

using Trampoline = void (*)(void** args);

struct Registration {
  Registration(const char* name, Trampoline call, const char* signature);
};

template <typename... P, size_t... I>
void invoke(void (*kernel)(P...), void** args, std::index_sequence<I...>) {
  kernel(*static_cast<std::remove_cv_t<P>*>(args[I])...);
}

template <auto Kernel>
struct Entry;

template <typename... P, void (*Kernel)(P...)>
struct Entry<Kernel> {
  static void call(void** args) { invoke(Kernel, args, std::index_sequence_for<P...>{}); }
  static constexpr char signature[] = {kind<P>()..., '\0'};
};

}  // namespace emu

#define SDJ_EMU_KERNEL(name)                                                                 \
  static ::emu::Registration sdj_emu_registration_##name(#name, &::emu::Entry<&name>::call, \
                                                         ::emu::Entry<&name>::signature);
