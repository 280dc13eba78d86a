// Attention for head sizes beyond the tensor-core kernel's 160 (the VAE's single 512-wide head), on CUDA cores with
// the same online softmax. A block of WIDE_WARPS warps takes as many query rows, one per warp, and walks the keys in
// tiles of 32 that the whole block loads into shared memory once (coalesced) and every warp reads: lane j scores key j
// of the tile against its warp's row, then each lane accumulates d / 32 output columns of the tile's values.
// Below it, the softmax of ProductAttention, which by default computes those heads as two cuBLASLt products instead.
#include "common.cuh"

namespace sdj {

constexpr int WIDE_MAX_D = 1024;
constexpr int WIDE_WARPS = 4;
constexpr int WIDE_KEYS = 32;

// Row pitch of the shared key/value tile, in elements: even, with an odd number of 32-bit words, so that the 32 lanes
// reading the same column of 32 rows hit 32 different banks.
__host__ __device__ constexpr int wide_pitch(int d) {
  return ((d + 2) / 2) % 2 == 1 ? ((d + 2) / 2) * 2 : ((d + 2) / 2 + 1) * 2;
}

// Dynamic shared memory: the warps' scaled query rows (float), then one tile of keys or values (storage type).
template <typename T>
__device__ void attention_wide_body(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads, int d,
                                    int ldq, int ldkv, float scale_log2, int causal) {
  extern __shared__ float wide_smem[];
  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int pitch = wide_pitch(d);
  float* qs = wide_smem + warp * d;
  T* tile = reinterpret_cast<T*>(wide_smem + WIDE_WARPS * d);
  const int first = blockIdx.x * WIDE_WARPS;
  const int row = first + warp;
  const bool active = row < nq;  // inactive warps still load tiles and meet every barrier
  const long long head = (long long)blockIdx.y * d;
  const T* kb = k + (long long)blockIdx.z * nk * ldkv + head;
  const T* vb = v + (long long)blockIdx.z * nk * ldkv + head;
  if (active) {
    const T* qr = q + ((long long)blockIdx.z * nq + row) * ldq + head;
    for (int c = lane; c < d; c += 32) qs[c] = to_f(qr[c]) * scale_log2;
  }
  // Keys this block needs (the last row's, when causal) and keys this warp's row sees.
  const int last = min(nq, first + WIDE_WARPS) - 1;
  const int block_end = causal ? min(nk, last + 1) : nk;
  const int end = causal ? min(nk, row + 1) : nk;

  constexpr int PER_LANE = WIDE_MAX_D / 32;
  float acc[PER_LANE];
#pragma unroll
  for (int i = 0; i < PER_LANE; i++) acc[i] = 0.f;
  float m = -INFINITY;
  float l = 0.f;
  for (int k0 = 0; k0 < block_end; k0 += WIDE_KEYS) {
    const int count = min(WIDE_KEYS, block_end - k0);
    __syncthreads();  // the previous tile's values are read; qs is written (first pass)
    for (int j = warp; j < count; j += WIDE_WARPS) {
      for (int c = lane; c < d; c += 32) tile[j * pitch + c] = kb[(long long)(k0 + j) * ldkv + c];
    }
    __syncthreads();
    float p = 0.f;
    float alpha = 1.f;
    if (active) {
      int key = k0 + lane;
      float s = -INFINITY;
      if (key < end) {
        const T* kr = tile + lane * pitch;
        float dot = 0.f;
        for (int c = 0; c < d; c++) dot += qs[c] * to_f(kr[c]);
        s = dot;
      }
      const float mx = warp_reduce<MaxOp>(s);
      // An active row always sees key 0, so m is finite from its first tile on; a tile past the row's end leaves it.
      float mnew = fmaxf(m, mx);
      alpha = exp2f(m - mnew);
      p = exp2f(s - mnew);
      const float ps = warp_reduce<SumOp>(p);
      l = l * alpha + ps;
      m = mnew;
    }
    __syncthreads();  // every warp has scored the keys
    for (int j = warp; j < count; j += WIDE_WARPS) {
      for (int c = lane; c < d; c += 32) tile[j * pitch + c] = vb[(long long)(k0 + j) * ldkv + c];
    }
    __syncthreads();
    if (active) {
#pragma unroll
      for (int i = 0; i < PER_LANE; i++) acc[i] *= alpha;
      for (int j = 0; j < count; j++) {
        float pj = __shfl_sync(0xffffffffu, p, j);
        const T* vr = tile + j * pitch;
#pragma unroll
        for (int i = 0; i < PER_LANE; i++) {
          int c = lane + 32 * i;
          if (c < d) acc[i] += pj * to_f(vr[c]);
        }
      }
    }
  }
  if (!active) return;
  T* orow = o + ((long long)blockIdx.z * nq + row) * ((long long)heads * d) + head;
  float inv = l > 0.f ? 1.f / l : 0.f;
#pragma unroll
  for (int i = 0; i < PER_LANE; i++) {
    int c = lane + 32 * i;
    if (c < d) orow[c] = from_f<T>(acc[i] * inv);
  }
}

// ---- the softmax of ProductAttention --------------------------------------------------------------------------------
// One block of 256 threads per score row r: p[r, j] = exp(s[r, j] - max) / sum over the row's keys, 0 for keys masked
// by the causal mask (key j > query row0 + r) and where a row has no keys. s float32 [rows, cols] (row stride lds),
// p in the storage type (row stride ldp).
template <typename T>
__device__ void softmax_rows_body(const float* s, T* p, int cols, int lds, int ldp, int causal, int row0) {
  const float* sr = s + (long long)blockIdx.x * lds;
  T* pr = p + (long long)blockIdx.x * ldp;
  const int valid = causal ? min(cols, row0 + (int)blockIdx.x + 1) : cols;
  float mx = -INFINITY;
  for (int j = threadIdx.x; j < valid; j += blockDim.x) mx = fmaxf(mx, sr[j]);
  mx = block_max(mx);
  float sum = 0.f;
  for (int j = threadIdx.x; j < valid; j += blockDim.x) sum += expf(sr[j] - mx);
  sum = block_sum(sum);
  const float inv = sum > 0.f ? 1.f / sum : 0.f;
  for (int j = threadIdx.x; j < cols; j += blockDim.x) pr[j] = from_f<T>(j < valid ? expf(sr[j] - mx) * inv : 0.f);
}

}  // namespace sdj

#define SDJ_WIDE(T, S)                                                                                        \
  extern "C" __global__ void __launch_bounds__(32 * sdj::WIDE_WARPS)                                         \
      sdj_attention_wide_##S(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads, int d,    \
                             int ldq, int ldkv, float scale_log2, int causal) {                             \
    sdj::attention_wide_body<T>(q, k, v, o, nq, nk, heads, d, ldq, ldkv, scale_log2, causal);              \
  }

SDJ_WIDE(__half, f16)
SDJ_WIDE(__nv_bfloat16, bf16)

#define SDJ_SOFTMAX_ROWS(T, S)                                                                                 \
  extern "C" __global__ void __launch_bounds__(256)                                                            \
      sdj_softmax_rows_##S(const float* s, T* p, int cols, int lds, int ldp, int causal, int row0) {           \
    sdj::softmax_rows_body<T>(s, p, cols, lds, ldp, causal, row0);                                            \
  }

SDJ_SOFTMAX_ROWS(__half, f16)
SDJ_SOFTMAX_ROWS(__nv_bfloat16, bf16)
