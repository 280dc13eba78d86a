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

// y[i] for i in [from, to) of one group: (x - mean) * rstd * gamma[c] + beta[c], then SiLU if asked.
template <typename T>
__device__ void group_apply(const T* x, const T* gamma, const T* beta, T* y, long long base, long long from,
                            long long to, int c0, long long spatial, float mean, float rstd, int silu) {
  for (long long i = from + threadIdx.x; i < to; i += blockDim.x) {
    int c = c0 + (int)(i / spatial);
    float v = (to_f(x[base + i]) - mean) * rstd * to_f(gamma[c]) + to_f(beta[c]);
    if (silu) v = v / (1.f + __expf(-v));
    y[base + i] = from_f<T>(v);
  }
}

// The mean of x[base + from .. base + to) and the sum of squared deviations from it (m2), over the block.
template <typename T>
__device__ void chunk_stats(const T* x, long long base, long long from, long long to, float* mean, float* m2) {
  float s = 0.f;
  for (long long i = from + threadIdx.x; i < to; i += blockDim.x) s += to_f(x[base + i]);
  *mean = block_sum(s) / (float)(to - from);
  float q = 0.f;
  for (long long i = from + threadIdx.x; i < to; i += blockDim.x) {
    float d = to_f(x[base + i]) - *mean;
    q += d * d;
  }
  *m2 = block_sum(q);
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
  float mean, m2;
  chunk_stats(x, base, 0, count, &mean, &m2);
  group_apply(x, gamma, beta, y, base, 0, count, g * cpg, spatial, mean, rsqrtf(m2 / (float)count + eps), silu);
}

// Large groups (the VAE at full resolution) in two kernels of gridDim.y blocks per (sample, group), each over one
// chunk of `chunk` elements: the first writes each chunk's (mean, m2) to stats [N * groups, gridDim.y, 2]; the second
// merges a group's chunks (Chan et al.'s pairwise update, as exact as one pass over deviations) and normalizes its
// chunk. blockIdx.x = n * groups + g, so the group starts at element blockIdx.x * count.
template <typename T>
__device__ void group_stats_body(const T* x, float* stats, long long count, long long chunk) {
  long long from = (long long)blockIdx.y * chunk;
  long long to = min(count, from + chunk);
  float mean, m2;
  chunk_stats(x, (long long)blockIdx.x * count, from, to, &mean, &m2);
  if (threadIdx.x == 0) {
    float* out = stats + ((long long)blockIdx.x * gridDim.y + blockIdx.y) * 2;
    out[0] = mean;
    out[1] = m2;
  }
}

template <typename T>
__device__ void group_apply_body(const T* x, const float* stats, const T* gamma, const T* beta, T* y, int channels,
                                 long long spatial, int groups, long long chunk, float eps, int silu) {
  int g = blockIdx.x % groups;
  long long count = (long long)(channels / groups) * spatial;
  const float* part = stats + (long long)blockIdx.x * gridDim.y * 2;
  float n = 0.f, mean = 0.f, m2 = 0.f;
  for (unsigned k = 0; k < gridDim.y; k++) {
    float nk = (float)(min(count, (long long)(k + 1) * chunk) - (long long)k * chunk);
    float delta = part[2 * k] - mean;
    float total = n + nk;
    mean += delta * (nk / total);
    m2 += part[2 * k + 1] + delta * delta * (n * nk / total);
    n = total;
  }
  long long from = (long long)blockIdx.y * chunk;
  group_apply(x, gamma, beta, y, (long long)blockIdx.x * count, from, min(count, from + chunk),
              g * (channels / groups), spatial, mean, rsqrtf(m2 / (float)count + eps), silu);
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
  extern "C" __global__ void sdj_group_stats_##S(const T* x, float* stats, long long count, long long chunk) {  \
    sdj::group_stats_body<T>(x, stats, count, chunk);                                                      \
  }                                                                                                          \
  extern "C" __global__ void sdj_group_apply_##S(const T* x, const float* stats, const T* gamma, const T* beta, \
                                                 T* y, int channels, long long spatial, int groups,          \
                                                 long long chunk, float eps, int silu) {                     \
    sdj::group_apply_body<T>(x, stats, gamma, beta, y, channels, spatial, groups, chunk, eps, silu);         \
  }                                                                                                          \
  extern "C" __global__ void sdj_layer_norm_##S(const T* x, const T* gamma, const T* beta, T* y,            \
                                                long long rows, int width, float eps) {                    \
    sdj::layer_norm_body<T>(x, gamma, beta, y, rows, width, eps);                                          \
  }

SDJ_NORMS(__half, f16)
SDJ_NORMS(__nv_bfloat16, bf16)
