// The channels-last group norm's statistics, shared by norms.cu's three-kernel group norm and
// group_norm_cluster_sm90.cu's one-kernel one: every group's (mean, m2) over a run of pixels, each sum taken in a
// fixed order (no atomics), so that the same input gives the same bits every time.
#pragma once
#include "common.cuh"

namespace sdj {

__device__ __forceinline__ float silu(float v) { return v / (1.f + __expf(-v)); }

constexpr int NHWC_MAX_GROUPS = 1024;     // NormKernels.NHWC_MAX_GROUPS
constexpr int NHWC_MAX_CHANNELS = 4096;   // NormKernels.NHWC_MAX_CHANNELS: the per-channel sums in shared memory
constexpr int NHWC_STATS_THREADS = 256;   // NormKernels.NHWC_STATS_THREADS: blockDim.x * blockDim.y

// chan[c] = the sum of f(v, c) over pixels [p0, p1) for every channel c: each thread sums its channel vector over
// every blockDim.y-th pixel, then the blockDim.y partials of each vector are added in the order of threadIdx.y.
// part holds NHWC_STATS_THREADS * V floats. Ends with a barrier (chan complete for every thread).
template <typename T, int V, typename F>
__device__ __forceinline__ void nhwc_channel_sums(const T* xs, int channels, int p0, int p1, float* part, float* chan,
                                                  F f) {
  const int vectors = channels / V;
  const int slot = (threadIdx.y * blockDim.x + threadIdx.x) * V;
  for (int base = 0; base < vectors; base += blockDim.x) {  // the same trip count in every thread: barriers inside
    const int cv = base + threadIdx.x;
    float s[V];
#pragma unroll
    for (int j = 0; j < V; j++) s[j] = 0.f;
    if (cv < vectors) {
      for (int p = p0 + threadIdx.y; p < p1; p += blockDim.y) {
        const T* px = xs + (long long)p * channels + cv * V;
        float v[V];
        if constexpr (V == VEC) {
          unpack8<T>(load8(px), v);
        } else {
          v[0] = to_f(px[0]);
        }
#pragma unroll
        for (int j = 0; j < V; j++) s[j] += f(v[j], cv * V + j);
      }
    }
#pragma unroll
    for (int j = 0; j < V; j++) part[slot + j] = s[j];
    __syncthreads();
    if (threadIdx.y == 0 && cv < vectors) {
#pragma unroll
      for (int j = 0; j < V; j++) {
        float t = 0.f;
        for (int y = 0; y < (int)blockDim.y; y++) t += part[(y * blockDim.x + threadIdx.x) * V + j];
        chan[cv * V + j] = t;
      }
    }
    __syncthreads();
  }
}

// The sum of chan over group g's cpg channels, in channel order.
__device__ __forceinline__ float nhwc_group_sum(const float* chan, int g, int cpg) {
  float t = 0.f;
  for (int c = g * cpg; c < (g + 1) * cpg; c++) t += chan[c];
  return t;
}

// Every group's mean and m2 (the sum of squared deviations from that mean) over pixels [p0, p1) of xs, whose pixels
// are `channels` apart (p1 > p0; groups of channels / groups adjacent channels): two passes, the means first, so that
// no cancellation of E[x^2] - E[x]^2 creeps in. out(g, mean, m2) is called once per group, by thread g mod the block's
// threads. part holds NHWC_STATS_THREADS * V floats, chan `channels`, mean `groups`.
template <typename T, int V, typename Out>
__device__ __forceinline__ void nhwc_moments(const T* xs, int channels, int groups, int p0, int p1, float* part,
                                             float* chan, float* mean, Out out) {
  const int cpg = channels / groups;
  const int tid = threadIdx.y * blockDim.x + threadIdx.x;
  const int threads = blockDim.x * blockDim.y;
  nhwc_channel_sums<T, V>(xs, channels, p0, p1, part, chan, [](float v, int) { return v; });
  const float n = (float)(p1 - p0) * (float)cpg;
  for (int g = tid; g < groups; g += threads) mean[g] = nhwc_group_sum(chan, g, cpg) / n;
  __syncthreads();  // the means are in place, and nobody reads chan any more
  nhwc_channel_sums<T, V>(xs, channels, p0, p1, part, chan, [&](float v, int c) {
    float d = v - mean[c / cpg];
    return d * d;
  });
  for (int g = tid; g < groups; g += threads) out(g, mean[g], nhwc_group_sum(chan, g, cpg));
}

}  // namespace sdj
