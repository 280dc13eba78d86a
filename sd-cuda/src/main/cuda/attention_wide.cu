// Attention for head sizes beyond the tensor-core kernel's 160 (the VAE's single 512-wide head): one warp per query
// row, on CUDA cores, with the same online softmax; each lane keeps d / 32 output columns in registers.
#include "common.cuh"

namespace sdj {

constexpr int WIDE_MAX_D = 1024;
constexpr int WIDE_WARPS = 4;

template <typename T>
__device__ void attention_wide_body(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads, int d,
                                    float scale_log2, int causal) {
  extern __shared__ float qs_all[];  // WIDE_WARPS rows of d floats
  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int row = blockIdx.x * WIDE_WARPS + warp;
  const long long stride = (long long)heads * d;
  const long long head = (long long)blockIdx.y * d;
  float* qs = qs_all + warp * d;
  if (row >= nq) return;  // no block-wide barrier follows
  const T* qr = q + ((long long)blockIdx.z * nq + row) * stride + head;
  const T* kb = k + (long long)blockIdx.z * nk * stride + head;
  const T* vb = v + (long long)blockIdx.z * nk * stride + head;
  for (int c = lane; c < d; c += 32) qs[c] = to_f(qr[c]) * scale_log2;
  __syncwarp();

  constexpr int PER_LANE = WIDE_MAX_D / 32;
  float acc[PER_LANE];
#pragma unroll
  for (int i = 0; i < PER_LANE; i++) acc[i] = 0.f;
  float m = -INFINITY;
  float l = 0.f;
  const int end = causal ? min(nk, row + 1) : nk;
  for (int k0 = 0; k0 < end; k0 += 32) {
    int key = k0 + lane;
    float s = -INFINITY;
    if (key < end) {
      const T* kr = kb + (long long)key * stride;
      float dot = 0.f;
      for (int c = 0; c < d; c++) dot += qs[c] * to_f(kr[c]);
      s = dot;
    }
    float mx = s;
    for (int off = 16; off > 0; off >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, off));
    float mnew = fmaxf(m, mx);  // finite: key k0 < end is always valid
    float alpha = exp2f(m - mnew);
    float p = exp2f(s - mnew);
    float ps = p;
    for (int off = 16; off > 0; off >>= 1) ps += __shfl_xor_sync(0xffffffffu, ps, off);
    l = l * alpha + ps;
    m = mnew;
#pragma unroll
    for (int i = 0; i < PER_LANE; i++) acc[i] *= alpha;
    int count = min(32, end - k0);
    for (int j = 0; j < count; j++) {
      float pj = __shfl_sync(0xffffffffu, p, j);
      const T* vr = vb + (long long)(k0 + j) * stride;
#pragma unroll
      for (int i = 0; i < PER_LANE; i++) {
        int c = lane + 32 * i;
        if (c < d) acc[i] += pj * to_f(vr[c]);
      }
    }
  }
  T* orow = o + ((long long)blockIdx.z * nq + row) * stride + head;
  float inv = 1.f / l;
#pragma unroll
  for (int i = 0; i < PER_LANE; i++) {
    int c = lane + 32 * i;
    if (c < d) orow[c] = from_f<T>(acc[i] * inv);
  }
}

}  // namespace sdj

#define SDJ_WIDE(T, S)                                                                                        \
  extern "C" __global__ void __launch_bounds__(32 * sdj::WIDE_WARPS)                                         \
      sdj_attention_wide_##S(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads, int d,    \
                             float scale_log2, int causal) {                                                \
    sdj::attention_wide_body<T>(q, k, v, o, nq, nk, heads, d, scale_log2, causal);                         \
  }

SDJ_WIDE(__half, f16)
SDJ_WIDE(__nv_bfloat16, bf16)
