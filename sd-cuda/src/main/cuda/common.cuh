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

// A grid-stride loop over n elements with 64-bit indices (VAE activations exceed 2^31 elements at large sizes).
#define SDJ_FOR_EACH(i, n) \
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
       i += (long long)gridDim.x * blockDim.x)

}  // namespace sdj

// Each file ends with a macro that defines its extern "C" entry points for one storage type and is expanded twice:
// NAME_f16 for __half and NAME_bf16 for __nv_bfloat16, so that the Java side finds kernels by plain names.
