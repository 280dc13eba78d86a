// Shared helpers of sdj's kernels: storage types, float conversion, indexing.
// Every kernel reads and writes half or bf16 storage and computes in float; the denoising loop's latents are float32,
// for which a few elementwise kernels exist too.
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>

namespace sdj {

__device__ __forceinline__ float to_f(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_f(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ __forceinline__ float to_f(float x) { return x; }

template <typename T> __device__ __forceinline__ T from_f(float x);
template <> __device__ __forceinline__ __half from_f<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }
template <> __device__ __forceinline__ float from_f<float>(float x) { return x; }

// Two floats packed into one 32-bit register of two storage elements (low half = first), as mma.sync wants them.
template <typename T> __device__ __forceinline__ uint32_t pack2(float lo, float hi);
template <> __device__ __forceinline__ uint32_t pack2<__half>(float lo, float hi) {
  __half2 h = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&h);
}
template <> __device__ __forceinline__ uint32_t pack2<__nv_bfloat16>(float lo, float hi) {
  __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&h);
}

constexpr int VEC = 8;  // 16-bit elements per 16-byte vector

template <typename T> __device__ __forceinline__ float2 unpack2(uint32_t w);
template <> __device__ __forceinline__ float2 unpack2<__half>(uint32_t w) {
  return __half22float2(*reinterpret_cast<__half2*>(&w));
}
template <> __device__ __forceinline__ float2 unpack2<__nv_bfloat16>(uint32_t w) {
  return __bfloat1622float2(*reinterpret_cast<__nv_bfloat162*>(&w));
}

// The 8 elements of one 16-byte vector in float, first element first (pack2's order).
template <typename T>
__device__ __forceinline__ void unpack8(uint4 raw, float v[VEC]) {
  float2 a = unpack2<T>(raw.x), b = unpack2<T>(raw.y), c = unpack2<T>(raw.z), d = unpack2<T>(raw.w);
  v[0] = a.x; v[1] = a.y; v[2] = b.x; v[3] = b.y;
  v[4] = c.x; v[5] = c.y; v[6] = d.x; v[7] = d.y;
}

template <typename T>
__device__ __forceinline__ uint4 pack8(const float v[VEC]) {
  return make_uint4(pack2<T>(v[0], v[1]), pack2<T>(v[2], v[3]), pack2<T>(v[4], v[5]), pack2<T>(v[6], v[7]));
}

template <typename T>
__device__ __forceinline__ uint4 load8(const T* p) { return *reinterpret_cast<const uint4*>(p); }

// A grid-stride loop over n elements with 64-bit indices (VAE activations exceed 2^31 elements at large sizes).
#define SDJ_FOR_EACH(i, n) \
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
       i += (long long)gridDim.x * blockDim.x)

// Block-wide reductions (blockDim.x a multiple of 32, at most 1024; every thread gets the result): each warp by
// shuffles, then warp 0 over the warps' partials, always in the same order, so the same inputs give the same bits.
struct SumOp {
  static constexpr float identity = 0.f;
  __device__ __forceinline__ float operator()(float a, float b) const { return a + b; }
};
struct MaxOp {
  static constexpr float identity = -INFINITY;
  __device__ __forceinline__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

template <typename Op>
__device__ __forceinline__ float warp_reduce(float v) {
  for (int o = 16; o > 0; o >>= 1) v = Op()(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Op over each quad of lanes (4q .. 4q + 3: the threads that hold one row of an mma or wgmma fragment), the
// neighbour's value first, then the other pair's; every lane of the quad gets the result.
template <typename Op>
__device__ __forceinline__ float quad_reduce(float v) {
  v = Op()(v, __shfl_xor_sync(0xffffffffu, v, 1));
  return Op()(v, __shfl_xor_sync(0xffffffffu, v, 2));
}

template <typename Op>
__device__ __forceinline__ float block_reduce(float v) {
  __shared__ float partial[32];
  __shared__ float total;
  v = warp_reduce<Op>(v);
  const int warp = threadIdx.x >> 5;
  if ((threadIdx.x & 31) == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    float s = threadIdx.x < (blockDim.x >> 5) ? partial[threadIdx.x] : Op::identity;
    s = warp_reduce<Op>(s);
    if (threadIdx.x == 0) total = s;
  }
  __syncthreads();
  const float r = total;
  __syncthreads();  // partial and total are reused by the next call
  return r;
}

__device__ __forceinline__ float warp_sum(float v) { return warp_reduce<SumOp>(v); }
__device__ __forceinline__ float block_sum(float v) { return block_reduce<SumOp>(v); }
__device__ __forceinline__ float block_max(float v) { return block_reduce<MaxOp>(v); }

}  // namespace sdj

// Each file ends with a macro that defines its extern "C" entry points for one storage type and is expanded twice:
// NAME_f16 for __half and NAME_bf16 for __nv_bfloat16, so that the Java side finds kernels by plain names.
