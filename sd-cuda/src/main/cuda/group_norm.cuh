// The channels-last group norm's statistics, shared by norms.cu's three-kernel group norm and
// group_norm_cluster_sm90.cu's one-kernel one: every group's (mean, m2) over a run of pixels, each sum taken in a
// fixed order (no atomics), so that the same input gives the same bits every time; and the normalization both apply.
#pragma once
#include "common.cuh"

namespace sdj {

__device__ __forceinline__ float silu(float v) { return v / (1.f + __expf(-v)); }

constexpr int NHWC_MAX_GROUPS = 1024;     // NormKernels.NHWC_MAX_GROUPS
constexpr int NHWC_MAX_CHANNELS = 4096;   // NormKernels.NHWC_MAX_CHANNELS: the per-channel sums in shared memory
constexpr int NHWC_STATS_THREADS = 256;   // NormKernels.NHWC_STATS_THREADS: blockDim.x * blockDim.y

// chan[c] = the sum of f(v, c) over pixels [p0, p1) for every channel c: each thread sums its channel vector over
// every blockDim.y-th pixel, then the blockDim.y partials of each channel are added in the order of threadIdx.y, in
// runs of rows by several threads each where the block has threads to spare (a tall block's one thread per channel
// would add dozens in a row), then the runs in order. part holds blockDim.x * blockDim.y * (V + 1) floats. Ends with a
// barrier (chan complete for every thread).
template <typename T, int V, typename F>
__device__ __forceinline__ void nhwc_channel_sums(const T* xs, int channels, int p0, int p1, float* part, float* chan,
                                                  F f) {
  const int vectors = channels / V;
  const int threads = blockDim.x * blockDim.y;
  const int tid = threadIdx.y * blockDim.x + threadIdx.x;
  const int slots = blockDim.x * V;  // channels per round: part[y * slots + slot] is row y's partial of a slot
  const int splits = max(1, threads / slots);
  const int per_split = (blockDim.y + splits - 1) / splits;
  float* runs = part + threads * V;  // runs[q * slots + slot]: rows [q * per_split, + per_split) of a slot added
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
    for (int j = 0; j < V; j++) part[tid * V + j] = s[j];
    __syncthreads();
    const int round = min(slots, (vectors - base) * V);  // the slots of channels that exist
    for (int k = tid; k < slots * splits; k += threads) {
      const int slot = k % slots;
      const int y0 = k / slots * per_split;
      const int y1 = min((int)blockDim.y, y0 + per_split);
      float t = 0.f;
      for (int y = y0; y < y1; y++) t += part[y * slots + slot];
      if (splits == 1) {
        if (slot < round) chan[base * V + slot] = t;
      } else {
        runs[k] = t;
      }
    }
    if (splits > 1) {
      __syncthreads();
      for (int slot = tid; slot < round; slot += threads) {
        float t = 0.f;
        for (int q = 0; q < splits; q++) t += runs[q * slots + slot];
        chan[base * V + slot] = t;
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
// threads. part holds blockDim.x * blockDim.y * (V + 1) floats, chan `channels`, mean `groups`.
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

// Channel c's part in y = (x - mean) * rstd * gamma + beta, from its group's (mean, rstd) in mean_rstd (groups of cpg
// channels): the mean m, the scale a = rstd * gamma and the bias b = beta.
template <typename T>
__device__ __forceinline__ void channel_affine(const float* mean_rstd, int cpg, const T* gamma, const T* beta, int c,
                                               float& m, float& a, float& b) {
  const float* mr = mean_rstd + 2 * (c / cpg);
  m = mr[0];
  a = mr[1] * to_f(gamma[c]);
  b = to_f(beta[c]);
}

// Eight channels of y from x's, each (x - m) * a + b (channel_affine), then SiLU where silu_after. (x - m) * a, not
// x * a + (b - m * a): a mean far from zero against a small spread would cancel in the latter.
template <typename T>
__device__ __forceinline__ uint4 normalize8(uint4 x, const float* m, const float* a, const float* b, int silu_after) {
  float v[VEC];
  unpack8<T>(x, v);
#pragma unroll
  for (int j = 0; j < VEC; j++) {
    const float o = (v[j] - m[j]) * a[j] + b[j];
    v[j] = silu_after ? silu(o) : o;
  }
  return pack8<T>(v);
}

}  // namespace sdj
