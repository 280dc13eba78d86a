// Normalizations in float: group norm (optionally followed by SiLU, as every ResnetBlock2D begins) and layer norm.
// Both take two passes over the data for the statistics (mean, then the sum of squared deviations), which is as
// accurate as the float64 reference needs and avoids the cancellation of E[x^2] - E[x]^2.
//
// The "vectorized" paths move 8 elements (16 bytes) per load and store; the host picks them only where every vector
// is whole and 16-byte aligned (NormKernels.java), since a misaligned uint4 access faults.
#include "group_norm.cuh"

namespace sdj {

// ---- group norm ---------------------------------------------------------------------------------------------------
// x [N, C, spatial]: a group's cpg * spatial elements are contiguous, `count` of them. Every group is cut into
// gridDim.y chunks of `chunk` elements (the last one shorter), one block each, so that even 64 groups fill a large GPU:
// sdj_group_stats writes each chunk's (mean, m2) to stats [N * groups, gridDim.y, 2], and sdj_group_apply merges its
// group's chunks and normalizes its own chunk. blockIdx.x = n * groups + g, so the group starts at blockIdx.x * count.
// Indices inside a group are 32-bit: the host keeps count at most 2^30, so i + blockDim.x * VEC cannot overflow.

// Elements [from, to) of the group's chunk (whole vectors where VECTORIZED); the host sizes chunk, the kernels only
// read it, so both kernels agree on the cut.
__device__ __forceinline__ int chunk_end(int from, int count, int chunk) { return from + min(chunk, count - from); }

// Sum of f(v) over xg[from, to) within this thread's share; f sees every element once, in float.
template <typename T, bool VECTORIZED, typename F>
__device__ __forceinline__ float chunk_reduce(const T* xg, int from, int to, F f) {
  float s = 0.f;
  if (VECTORIZED) {
    for (int i = from + threadIdx.x * VEC; i < to; i += blockDim.x * VEC) {
      float v[VEC];
      unpack8<T>(load8(xg + i), v);
#pragma unroll
      for (int j = 0; j < VEC; j++) s += f(v[j]);
    }
  } else {
    for (int i = from + threadIdx.x; i < to; i += blockDim.x) s += f(to_f(xg[i]));
  }
  return s;
}

template <typename T, bool VECTORIZED>
__device__ void group_stats_body(const T* x, float* stats, int count, int chunk) {
  const T* xg = x + (long long)blockIdx.x * count;
  int from = blockIdx.y * chunk;
  int to = chunk_end(from, count, chunk);
  float mean = block_sum(chunk_reduce<T, VECTORIZED>(xg, from, to, [](float v) { return v; })) / (float)(to - from);
  float m2 = block_sum(chunk_reduce<T, VECTORIZED>(xg, from, to, [mean](float v) {
    float d = v - mean;
    return d * d;
  }));
  if (threadIdx.x == 0) {
    float* out = stats + ((long long)blockIdx.x * gridDim.y + blockIdx.y) * 2;
    out[0] = mean;
    out[1] = m2;
  }
}

// The group's mean and m2 from its chunks' (mean_k, m2_k) with n_k elements each, by the parallel form of Chan et al.'s
// update: mean = pivot + sum(n_k (mean_k - pivot)) / count, m2 = sum(m2_k + n_k (mean_k - mean)^2). Summing
// differences from the first chunk's mean rather than n_k mean_k keeps the merge exact when the mean is large against
// the spread, as the pairwise merge is, while the chunks are spread over the block's threads.
__device__ void group_merge(const float* part, int splits, int count, int chunk, float* mean, float* m2) {
  float pivot = part[0];
  float s = 0.f;
  for (int k = threadIdx.x; k < splits; k += blockDim.x) {
    s += (float)min(chunk, count - k * chunk) * (part[2 * k] - pivot);
  }
  float mu = pivot + block_sum(s) / (float)count;
  float q = 0.f;
  for (int k = threadIdx.x; k < splits; k += blockDim.x) {
    float d = part[2 * k] - mu;
    q += part[2 * k + 1] + (float)min(chunk, count - k * chunk) * d * d;
  }
  *mean = mu;
  *m2 = block_sum(q);
}

template <typename T, bool VECTORIZED>
__device__ void group_apply_body(const T* x, const float* stats, const T* gamma, const T* beta, T* y, int channels,
                                 int spatial, int groups, int count, int chunk, float eps, int silu_after) {
  float mean, m2;
  group_merge(stats + (long long)blockIdx.x * gridDim.y * 2, gridDim.y, count, chunk, &mean, &m2);
  float rstd = rsqrtf(m2 / (float)count + eps);
  int c0 = (blockIdx.x % groups) * (channels / groups);
  long long base = (long long)blockIdx.x * count;
  const T* xg = x + base;
  T* yg = y + base;
  int from = blockIdx.y * chunk;
  int to = chunk_end(from, count, chunk);
  if (VECTORIZED) {
    // spatial % 8 == 0 and i % 8 == 0, so a vector never straddles two channels.
    for (int i = from + threadIdx.x * VEC; i < to; i += blockDim.x * VEC) {
      int c = c0 + i / spatial;
      float g = to_f(gamma[c]) * rstd, b = to_f(beta[c]);
      float v[VEC];
      unpack8<T>(load8(xg + i), v);
#pragma unroll
      for (int j = 0; j < VEC; j++) {
        v[j] = (v[j] - mean) * g + b;
        if (silu_after) v[j] = silu(v[j]);
      }
      *reinterpret_cast<uint4*>(yg + i) = pack8<T>(v);
    }
  } else {
    for (int i = from + threadIdx.x; i < to; i += blockDim.x) {
      int c = c0 + i / spatial;
      float v = (to_f(xg[i]) - mean) * rstd * to_f(gamma[c]) + to_f(beta[c]);
      yg[i] = from_f<T>(silu_after ? silu(v) : v);
    }
  }
}

// ---- group norm, channels last -------------------------------------------------------------------------------------
// x [N, pixels, C]: a group is cpg = C / groups adjacent channels of every pixel. Each sample's pixels are cut into
// gridDim.y chunks of chunk_px pixels (the last one shorter); the block (blockIdx.x = sample) with threads laid out
// as (threadIdx.x: channel vectors, threadIdx.y: pixels) takes every group's (mean, m2) over its chunk in two passes
// and writes them to stats [N * groups, gridDim.y, 2], the layout group_merge reads. sdj_group_merge then turns each
// group's chunks into (mean, rstd) [N * groups, 2] for the elementwise sdj_group_apply_nhwc. Every sum is taken in a
// fixed order (no atomics), so that the same input gives the same bits every time: floating-point atomics here once
// made a UNet step differ from itself by 0.2% (relative L2) after fp16 rounding had amplified their last bits.
// (group_norm_cluster_sm90.cu does the same in one kernel on sm_90 where it fits.)

// Both passes of one chunk with channel vectors of V (VEC where vectorized, else 1), into stats.
template <typename T, int V>
__device__ __forceinline__ void nhwc_chunk_stats(const T* xs, float* stats, int pixels, int channels, int groups,
                                                 int chunk_px, float* part, float* chan, float* mean) {
  const int p0 = blockIdx.y * chunk_px;
  nhwc_moments<T, V>(xs, channels, groups, p0, min(pixels, p0 + chunk_px), part, chan, mean,
                     [&](int g, float mu, float m2) {
                       float* out = stats + (((long long)blockIdx.x * groups + g) * gridDim.y + blockIdx.y) * 2;
                       out[0] = mu;
                       out[1] = m2;
                     });
}

// The shared arrays declared once for both vector widths (29 KiB).
template <typename T>
__device__ void group_stats_nhwc_body(const T* x, float* stats, int pixels, int channels, int groups, int chunk_px,
                                      bool vectorized) {
  __shared__ float part[NHWC_STATS_THREADS * (VEC + 1)];
  __shared__ float chan[NHWC_MAX_CHANNELS];
  __shared__ float mean[NHWC_MAX_GROUPS];
  const T* xs = x + (long long)blockIdx.x * pixels * channels;
  if (vectorized) {
    nhwc_chunk_stats<T, VEC>(xs, stats, pixels, channels, groups, chunk_px, part, chan, mean);
  } else {
    nhwc_chunk_stats<T, 1>(xs, stats, pixels, channels, groups, chunk_px, part, chan, mean);
  }
}

// One block per group of the batch: its chunks' statistics -> (mean, rstd).
__device__ void group_merge_body(const float* stats, float* mean_rstd, int splits, int count, int chunk, float eps) {
  float mean, m2;
  group_merge(stats + (long long)blockIdx.x * splits * 2, splits, count, chunk, &mean, &m2);
  if (threadIdx.x == 0) {
    mean_rstd[2 * blockIdx.x] = mean;
    mean_rstd[2 * blockIdx.x + 1] = rsqrtf(m2 / (float)count + eps);
  }
}

template <typename T>
__device__ void group_apply_nhwc_body(const T* x, const float* mean_rstd, const T* gamma, const T* beta, T* y,
                                      long long n, long long per_sample, int channels, int cpg, int groups,
                                      int silu_after) {
  SDJ_FOR_EACH(i, n) {
    int c = (int)(i % channels);
    const float* mr = mean_rstd + 2 * ((i / per_sample) * groups + c / cpg);
    float v = (to_f(x[i]) - mr[0]) * mr[1] * to_f(gamma[c]) + to_f(beta[c]);
    y[i] = from_f<T>(silu_after ? silu(v) : v);
  }
}

// group_apply_nhwc_body 8 channels of one pixel at a time (channels % 8 == 0, x and y 16-byte aligned, a sample's
// vectors < 2^31: NormKernels checks) on a grid of (blocks per sample, samples). Each block first lays out its
// sample's channel_affine per channel in shared memory (3 * channels floats, dynamic), so that a vector takes one
// remainder and six 16-byte shared loads, where looking each channel's group, statistics and affine up took eight
// divisions and 32 global loads.
template <typename T>
__device__ void group_apply_nhwc_vec_body(const uint4* x, const float* mean_rstd, const T* gamma, const T* beta,
                                          uint4* y, unsigned per_sample_vecs, int channels, int cpg, int groups,
                                          int silu_after) {
  extern __shared__ __align__(16) unsigned char sdj_gn_affine[];
  float* mean = reinterpret_cast<float*>(sdj_gn_affine);
  float* scale = mean + channels;
  float* bias = scale + channels;
  const float* mr = mean_rstd + 2LL * blockIdx.y * groups;
  for (int c = threadIdx.x; c < channels; c += blockDim.x) {
    channel_affine(mr, cpg, gamma, beta, c, mean[c], scale[c], bias[c]);
  }
  __syncthreads();
  const long long base = (long long)blockIdx.y * per_sample_vecs;
  const unsigned channel_vecs = (unsigned)(channels / VEC);
  for (unsigned v = blockIdx.x * blockDim.x + threadIdx.x; v < per_sample_vecs; v += gridDim.x * blockDim.x) {
    const int c0 = (int)(v % channel_vecs) * VEC;
    float m[VEC], a[VEC], b[VEC];
#pragma unroll
    for (int j = 0; j < VEC; j += 4) {
      *reinterpret_cast<float4*>(m + j) = *reinterpret_cast<const float4*>(mean + c0 + j);
      *reinterpret_cast<float4*>(a + j) = *reinterpret_cast<const float4*>(scale + c0 + j);
      *reinterpret_cast<float4*>(b + j) = *reinterpret_cast<const float4*>(bias + c0 + j);
    }
    y[base + v] = normalize8<T>(x[base + v], m, a, b, silu_after);
  }
}

// ---- layer norm ---------------------------------------------------------------------------------------------------
// One warp per row of x [rows, width].

// Rows of up to 32 lanes x ROW_VECS vectors (1280 elements, SD's widest layer norm) stay in registers between the
// passes, so x is read once; more would cost occupancy (62 registers at 5, 90 at 8). NormKernels.LAYER_VEC_MAX_WIDTH.
constexpr int ROW_VECS = 5;

template <typename T>
__device__ void layer_norm_vec_body(const T* x, const T* gamma, const T* beta, T* y, long long row, int width,
                                    float eps) {
  int lane = threadIdx.x & 31;
  int vecs = width / VEC;
  const T* xr = x + row * width;
  T* yr = y + row * width;
  uint4 held[ROW_VECS];
  float s = 0.f;
#pragma unroll
  for (int k = 0; k < ROW_VECS; k++) {
    int i = (k * 32 + lane) * VEC;
    if (k * 32 + lane < vecs) {
      held[k] = load8(xr + i);
      float v[VEC];
      unpack8<T>(held[k], v);
#pragma unroll
      for (int j = 0; j < VEC; j++) s += v[j];
    }
  }
  float mean = warp_sum(s) / (float)width;
  float q = 0.f;
#pragma unroll
  for (int k = 0; k < ROW_VECS; k++) {
    if (k * 32 + lane < vecs) {
      float v[VEC];
      unpack8<T>(held[k], v);
#pragma unroll
      for (int j = 0; j < VEC; j++) q += (v[j] - mean) * (v[j] - mean);
    }
  }
  float rstd = rsqrtf(warp_sum(q) / (float)width + eps);
#pragma unroll
  for (int k = 0; k < ROW_VECS; k++) {
    int i = (k * 32 + lane) * VEC;
    if (k * 32 + lane < vecs) {
      float v[VEC], g[VEC], b[VEC];
      unpack8<T>(held[k], v);
      unpack8<T>(load8(gamma + i), g);
      unpack8<T>(load8(beta + i), b);
#pragma unroll
      for (int j = 0; j < VEC; j++) v[j] = (v[j] - mean) * rstd * g[j] + b[j];
      *reinterpret_cast<uint4*>(yr + i) = pack8<T>(v);
    }
  }
}

// Any width and alignment: element by element, reading the row once per pass.
template <typename T>
__device__ void layer_norm_scalar_body(const T* x, const T* gamma, const T* beta, T* y, long long row, int width,
                                       float eps) {
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

template <typename T>
__device__ void layer_norm_body(const T* x, const T* gamma, const T* beta, T* y, long long rows, int width,
                                float eps, int vectorized) {
  long long row = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (row >= rows) return;  // whole warps leave together, so the shuffles stay full-warp
  if (vectorized) {
    layer_norm_vec_body(x, gamma, beta, y, row, width, eps);
  } else {
    layer_norm_scalar_body(x, gamma, beta, y, row, width, eps);
  }
}

}  // namespace sdj

// `vectorized` picks the 16-byte path (a uniform branch); see NormKernels.java for when it may be set.
#define SDJ_NORMS(T, S)                                                                                          \
  extern "C" __global__ void sdj_group_stats_##S(const T* x, float* stats, int count, int chunk, int vectorized) { \
    if (vectorized) {                                                                                             \
      sdj::group_stats_body<T, true>(x, stats, count, chunk);                                                     \
    } else {                                                                                                      \
      sdj::group_stats_body<T, false>(x, stats, count, chunk);                                                    \
    }                                                                                                             \
  }                                                                                                               \
  extern "C" __global__ void sdj_group_apply_##S(const T* x, const float* stats, const T* gamma, const T* beta,    \
                                                 T* y, int channels, int spatial, int groups, int count,          \
                                                 int chunk, float eps, int silu, int vectorized) {                \
    if (vectorized) {                                                                                             \
      sdj::group_apply_body<T, true>(x, stats, gamma, beta, y, channels, spatial, groups, count, chunk, eps,      \
                                     silu);                                                                       \
    } else {                                                                                                      \
      sdj::group_apply_body<T, false>(x, stats, gamma, beta, y, channels, spatial, groups, count, chunk, eps,     \
                                      silu);                                                                      \
    }                                                                                                             \
  }                                                                                                               \
  extern "C" __global__ void sdj_group_stats_nhwc_##S(const T* x, float* stats, int pixels, int channels,      \
                                                      int groups, int chunk_px, int vectorized) {                 \
    sdj::group_stats_nhwc_body<T>(x, stats, pixels, channels, groups, chunk_px, vectorized != 0);                \
  }                                                                                                               \
  extern "C" __global__ void sdj_group_apply_nhwc_##S(const T* x, const float* mean_rstd, const T* gamma,         \
                                                      const T* beta, T* y, long long n, long long per_sample,     \
                                                      int channels, int cpg, int groups, int silu) {              \
    sdj::group_apply_nhwc_body<T>(x, mean_rstd, gamma, beta, y, n, per_sample, channels, cpg, groups, silu);     \
  }                                                                                                               \
  extern "C" __global__ void sdj_group_apply_nhwc_vec_##S(const T* x, const float* mean_rstd, const T* gamma,     \
                                                          const T* beta, T* y, int per_sample_vecs, int channels, \
                                                          int cpg, int groups, int silu) {                        \
    sdj::group_apply_nhwc_vec_body<T>(reinterpret_cast<const uint4*>(x), mean_rstd, gamma, beta,                 \
                                      reinterpret_cast<uint4*>(y), per_sample_vecs, channels, cpg, groups, silu); \
  }                                                                                                               \
  extern "C" __global__ void sdj_layer_norm_##S(const T* x, const T* gamma, const T* beta, T* y, long long rows,   \
                                                int width, float eps, int vectorized) {                           \
    sdj::layer_norm_body<T>(x, gamma, beta, y, rows, width, eps, vectorized);                                     \
  }

SDJ_NORMS(__half, f16)
SDJ_NORMS(__nv_bfloat16, bf16)

// Storage-independent: reads and writes float statistics only.
extern "C" __global__ void sdj_group_merge(const float* stats, float* mean_rstd, int splits, int count, int chunk,
                                           float eps) {
  sdj::group_merge_body(stats, mean_rstd, splits, count, chunk, eps);
}
