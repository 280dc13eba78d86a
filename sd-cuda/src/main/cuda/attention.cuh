// Helpers shared by the tensor-core attention kernels (flash_attention.cu, flash_attention_wgmma.cu): shared-memory
// addresses, cp.async (sm_80 and newer) and the base-2 exponential of their softmax.
// Under SDJ_EMU (the CPU emulator of sd-cuda's tests, src/test/emu/emu.h) the inline PTX gives way to the emulator's
// models of the same instructions; nvcc never sees those branches.
#pragma once
#include "common.cuh"

namespace sdj {

__device__ __forceinline__ uint32_t smem(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }

// 16 bytes global -> shared without passing through registers; bytes past src_bytes (0 or 16 here) are zero-filled.
__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, int src_bytes) {
#ifdef SDJ_EMU
  emu::cp_async16(dst, src, src_bytes);
#else
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(__cvta_generic_to_global(src)),
               "r"(src_bytes)
               : "memory");
#endif
}
__device__ __forceinline__ void cp_async_commit() {
#ifdef SDJ_EMU
  emu::cp_async_commit();
#else
  asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}
template <int N> __device__ __forceinline__ void cp_async_wait() {
#ifdef SDJ_EMU
  emu::cp_async_wait(N);
#else
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
#endif
}

// Bytes of dynamic shared memory the launch gave this block (%dynamic_smem_size): kernels whose tiles need more trap.
__device__ __forceinline__ uint32_t dynamic_smem_size() {
#ifdef SDJ_EMU
  return emu::dynamic_shared_size();
#else
  uint32_t have;
  asm volatile("mov.u32 %0, %%dynamic_smem_size;\n" : "=r"(have));
  return have;
#endif
}

// 2^x, one MUFU.EX2; -inf gives +0, results below 2^-126 flush to 0 (probabilities that small do not matter).
__device__ __forceinline__ float ex2(float x) {
#ifdef SDJ_EMU
  return emu::ex2_ftz(x);
#else
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
#endif
}

// 2^x on the FMA units (FlashAttention-4's trick), for x at most 8: x = j + f with j = round(x) (by the 1.5 * 2^23
// shift) and f in [-0.5, 0.5], 2^f by a cubic fitted for relative error (7.5e-5 at most, a sixth of float16's half
// unit), j added into the exponent's bits (modulo 2^32, which takes negative j too). x is clamped at -126 first (-inf
// from a mask): 2^-126, which rounds to 0 in float16's P and weighs nothing beside a row's largest probability.
__device__ __forceinline__ float ex2_fma(float x) {
  constexpr float SHIFT = 12582912.f;
  x = fmaxf(x, -126.f);
  const float t = x + SHIFT;
  const float f = x - (t - SHIFT);
  const float p = fmaf(fmaf(fmaf(0.05517144f, f, 0.24261081f), f, 0.69326099f), f, 0.99992809f);
  return __uint_as_float(__float_as_uint(p) + (__float_as_uint(t) << 23));
}

// How far (log2 domain) a row's scores may climb over the maximum it keeps before it takes a new one, where maxima may
// go stale (FlashAttention-4's conditional rescaling): probabilities then reach 2^8, well inside float16's and
// bfloat16's range, and the division by the rows' sums at the end cancels whichever base they were taken against.
constexpr float RESCALE_SLACK = 8.f;

// The online softmax's step for one row: its running maximum m (log2 domain, -inf before any unmasked key) after a
// tile whose scores top out at `top`. Sets base (the new maximum, or 0 for a row that has seen only masked keys, which
// keeps ex2 away from inf - inf) and alpha (2^(m - base), which rescales what the old maximum weighed); returns the new
// maximum. With LAZY, m stays unless `top` exceeds it by more than RESCALE_SLACK, so that past a row's first tiles the
// rescale of its sum and outputs rarely runs.
template <bool LAZY>
__device__ __forceinline__ float next_maximum(float m, float top, float& base, float& alpha) {
  const float mnew = LAZY ? (top > m + RESCALE_SLACK ? top : m) : fmaxf(m, top);
  base = mnew == -INFINITY ? 0.f : mnew;
  alpha = ex2(m - base);
  return mnew;
}

// 2^x of both halves of a packed pair of float16 (low half first), one ex2.approx.f16x2.
__device__ __forceinline__ uint32_t ex2_h2(uint32_t x) {
#ifdef SDJ_EMU
  return emu::ex2_f16x2(x);
#else
  uint32_t y;
  asm("ex2.approx.f16x2 %0, %1;\n" : "=r"(y) : "r"(x));
  return y;
#endif
}

// One head (hi; the block's blockIdx.y) of one batch item (bi; blockIdx.z) in q [B, Nq, *], k and v [B, Nk, *] and
// o [B, Nq, heads*d]: where its rows start, their strides (ldq for q's rows, ldkv for k's and v's, which may hold
// other columns beside the heads: packed projections; o's rows are heads * d wide), and whether all three inputs can
// be copied in 16-byte pieces (d % 8 == 0, 16-byte aligned heads and rows).
template <typename T>
struct HeadView {
  const T* q;
  const T* k;
  const T* v;
  T* o;
  int q_stride;
  int kv_stride;
  bool vec;
};

template <typename T>
__device__ __forceinline__ HeadView<T> head_view(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads,
                                                 int d, int ldq, int ldkv, unsigned hi, unsigned bi) {
  const long long head = (long long)hi * d;
  HeadView<T> h;
  h.q_stride = ldq;
  h.kv_stride = ldkv;
  h.q = q + (long long)bi * nq * ldq + head;
  h.k = k + (long long)bi * nk * ldkv + head;
  h.v = v + (long long)bi * nk * ldkv + head;
  h.o = o + (long long)bi * nq * heads * d + head;
  h.vec = (d % 8 == 0) && ((ldq | ldkv) % 8 == 0) &&
          (((reinterpret_cast<uintptr_t>(h.q) | reinterpret_cast<uintptr_t>(h.k) | reinterpret_cast<uintptr_t>(h.v)) &
            15) == 0);
  return h;
}

template <typename T>
__device__ __forceinline__ HeadView<T> head_view(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads,
                                                 int d, int ldq, int ldkv) {
  return head_view(q, k, v, o, nq, nk, heads, d, ldq, ldkv, blockIdx.y, blockIdx.z);
}

// Output columns col and col + 1 of a row (those below d): as one 32-bit store where pairs (d even, the row 4-byte
// aligned), else one element at a time.
template <typename T>
__device__ __forceinline__ void store_pair(T* row, int col, int d, bool pairs, float x0, float x1) {
  if (pairs) {
    if (col < d) *reinterpret_cast<uint32_t*>(row + col) = pack2<T>(x0, x1);
  } else {
    if (col < d) row[col] = from_f<T>(x0);
    if (col + 1 < d) row[col + 1] = from_f<T>(x1);
  }
}

}  // namespace sdj
