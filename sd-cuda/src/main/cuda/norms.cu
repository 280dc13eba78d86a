// Normalizations in float: group norm (optionally followed by SiLU, as every ResnetBlock2D begins) and layer norm.
// Both take two passes over the data for the statistics (mean, then the sum of squared deviations), which is as
// accurate as the float64 reference needs and avoids the cancellation of E[x^2] - E[x]^2.
#include "common.cuh"

namespace sdj {

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
__device__ float block_sum(float v) {
  __shared__ float partial[32];
  __shared__ float total;
  v = warp_sum(v);
  int warp = threadIdx.x >> 5;
  if ((threadIdx.x & 31) == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    float s = threadIdx.x < (blockDim.x >> 5) ? partial[threadIdx.x] : 0.f;
    s = warp_sum(s);
    if (threadIdx.x == 0) total = s;
  }
  __syncthreads();
  float r = total;
  __syncthreads();  // partial and total are reused by the next call
  return r;
}

// One block per (sample, group): x [N, C, spatial], the group's cpg * spatial elements are contiguous.
template <typename T>
__device__ void group_norm_body(const T* x, const T* gamma, const T* beta, T* y, int channels, long long spatial,
                                int groups, float eps, int silu) {
  int n = blockIdx.x / groups;
  int g = blockIdx.x - n * groups;
  int cpg = channels / groups;
  long long count = (long long)cpg * spatial;
  long long base = ((long long)n * channels + (long long)g * cpg) * spatial;
  float s = 0.f;
  for (long long i = threadIdx.x; i < count; i += blockDim.x) s += to_f(x[base + i]);
  float mean = block_sum(s) / (float)count;
  float q = 0.f;
  for (long long i = threadIdx.x; i < count; i += blockDim.x) {
    float d = to_f(x[base + i]) - mean;
    q += d * d;
  }
  float rstd = rsqrtf(block_sum(q) / (float)count + eps);
  for (long long i = threadIdx.x; i < count; i += blockDim.x) {
    int c = g * cpg + (int)(i / spatial);
    float v = (to_f(x[base + i]) - mean) * rstd * to_f(gamma[c]) + to_f(beta[c]);
    if (silu) v = v / (1.f + __expf(-v));
    y[base + i] = from_f<T>(v);
  }
}

// One warp per row of x [rows, width].
template <typename T>
__device__ void layer_norm_body(const T* x, const T* gamma, const T* beta, T* y, long long rows, int width,
                                float eps) {
  long long row = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (row >= rows) return;
  int lane = threadIdx.x & 31;
  const T* xr = x + row * width;
  T* yr = y + row * width;
  float s = 0.f;
  for (int i = lane; i < width; i += 32) s += to_f(xr[i]);
  float mean = warp_sum(s) / (float)width;
  float q = 0.f;
  for (int i = lane; i < width; i += 32) {
    float d = to_f(xr[i]) - mean;
    q += d * d;
  }
  float rstd = rsqrtf(warp_sum(q) / (float)width + eps);
  for (int i = lane; i < width; i += 32) {
    yr[i] = from_f<T>((to_f(xr[i]) - mean) * rstd * to_f(gamma[i]) + to_f(beta[i]));
  }
}

}  // namespace sdj

#define SDJ_NORMS(T, S)                                                                                       \
  extern "C" __global__ void sdj_group_norm_##S(const T* x, const T* gamma, const T* beta, T* y,            \
                                                int channels, long long spatial, int groups, float eps,    \
                                                int silu) {                                                \
    sdj::group_norm_body<T>(x, gamma, beta, y, channels, spatial, groups, eps, silu);                      \
  }                                                                                                          \
  extern "C" __global__ void sdj_layer_norm_##S(const T* x, const T* gamma, const T* beta, T* y,            \
                                                long long rows, int width, float eps) {                    \
    sdj::layer_norm_body<T>(x, gamma, beta, y, rows, width, eps);                                          \
  }

SDJ_NORMS(__half, f16)
SDJ_NORMS(__nv_bfloat16, bf16)
