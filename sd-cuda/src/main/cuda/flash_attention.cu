// Fused multi-head attention forward, FlashAttention-2 style: softmax(q k^T * scale [+ causal mask]) v per head
// without an Nq x Nk matrix in memory.
//
// q [B, Nq, heads*d], k and v [B, Nk, heads*d], o [B, Nq, heads*d]: heads are read straight from the projections'
// layout (row stride heads*d, head h at column h*d). One block of 4 warps takes 64 query rows of one (batch, head);
// each warp owns 16 rows and walks the keys in tiles of BC, keeping a running row maximum and sum (online softmax)
// and its output rows in registers, in float. Both products run on the tensor cores through mma.sync m16n8k16
// (half or bf16 operands, float accumulators). The head size d is padded with zeros to DP, a multiple of 16.
//
// Scores are kept in the log2 domain: the caller passes scale * log2(e) so that exp2f replaces expf.
#include "common.cuh"

namespace sdj {

template <typename T> struct Mma;

template <> struct Mma<__half> {
  static __device__ __forceinline__ void run(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};

template <> struct Mma<__nv_bfloat16> {
  static __device__ __forceinline__ void run(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};

constexpr int ATTN_THREADS = 128;
constexpr int ATTN_BR = 64;  // query rows per block: 4 warps x 16

// Rows [row0, row0 + 64) of one head into dst [64][LD], zero beyond nrows and beyond column d (so padded rows and
// columns add nothing to the products and never carry NaN from unwritten memory).
template <typename T, int DP, int LD>
__device__ __forceinline__ void load_tile(T* dst, const T* src, int row0, int nrows, int d, long long stride,
                                          bool vec) {
  if (vec) {
    constexpr int CH = DP / 8;  // 16-byte chunks per row
    for (int i = threadIdx.x; i < 64 * CH; i += ATTN_THREADS) {
      int r = i / CH;
      int c = (i - r * CH) * 8;
      uint4 val = make_uint4(0u, 0u, 0u, 0u);
      if (row0 + r < nrows && c < d) val = *reinterpret_cast<const uint4*>(src + (long long)(row0 + r) * stride + c);
      *reinterpret_cast<uint4*>(dst + r * LD + c) = val;
    }
  } else {
    for (int i = threadIdx.x; i < 64 * DP; i += ATTN_THREADS) {
      int r = i / DP;
      int c = i - r * DP;
      T val = from_f<T>(0.f);
      if (row0 + r < nrows && c < d) val = src[(long long)(row0 + r) * stride + c];
      dst[r * LD + c] = val;
    }
  }
}

__device__ __forceinline__ uint32_t pack_raw(const void* lo, const void* hi) {
  return (uint32_t)*reinterpret_cast<const unsigned short*>(lo) |
         ((uint32_t)*reinterpret_cast<const unsigned short*>(hi) << 16);
}

template <typename T, int DP, int BC>
__device__ void flash_attention_body(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                     T* __restrict__ o, int nq, int nk, int heads, int d, float scale_log2,
                                     int causal) {
  constexpr int LD = DP + 8;  // 16 bytes of padding per row keeps the fragment loads off one bank
  constexpr int KS = DP / 16; // k-steps of q k^T
  constexpr int NT = DP / 8;  // 8-wide column tiles of the output
  __shared__ __align__(16) T ks[64 * LD];
  __shared__ __align__(16) T vs[64 * LD];
  static_assert(BC <= 64, "key tile larger than the shared buffers");

  const int warp = threadIdx.x >> 5;
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2;  // row within the fragment
  const int t = lane & 3;   // column pair within the fragment
  const int q0 = blockIdx.x * ATTN_BR;
  const long long stride = (long long)heads * d;
  const long long head = (long long)blockIdx.y * d;
  const T* qb = q + (long long)blockIdx.z * nq * stride + head;
  const T* kb = k + (long long)blockIdx.z * nk * stride + head;
  const T* vb = v + (long long)blockIdx.z * nk * stride + head;
  T* ob = o + (long long)blockIdx.z * nq * stride + head;
  const bool vec = (d % 8 == 0) &&
                   (((reinterpret_cast<uintptr_t>(qb) | reinterpret_cast<uintptr_t>(kb) |
                      reinterpret_cast<uintptr_t>(vb)) & 15) == 0);

  // The query tile passes through ks once, into registers as mma A fragments.
  load_tile<T, DP, LD>(ks, qb, q0, nq, d, stride, vec);
  __syncthreads();
  uint32_t qf[KS][4];
  const int r0 = warp * 16;
#pragma unroll
  for (int kk = 0; kk < KS; kk++) {
    const T* p = ks + (r0 + g) * LD + kk * 16 + t * 2;
    qf[kk][0] = *reinterpret_cast<const uint32_t*>(p);
    qf[kk][1] = *reinterpret_cast<const uint32_t*>(p + 8 * LD);
    qf[kk][2] = *reinterpret_cast<const uint32_t*>(p + 8);
    qf[kk][3] = *reinterpret_cast<const uint32_t*>(p + 8 * LD + 8);
  }
  __syncthreads();

  float acc[NT][4];
#pragma unroll
  for (int n = 0; n < NT; n++) acc[n][0] = acc[n][1] = acc[n][2] = acc[n][3] = 0.f;
  float m[2] = {-INFINITY, -INFINITY};  // running maxima of rows g and g + 8 (log2 domain)
  float l[2] = {0.f, 0.f};              // this thread's share of their running sums
  const int qrow[2] = {q0 + r0 + g, q0 + r0 + g + 8};
  // Causal: no query of this block sees keys at or past q0 + 64.
  const int kv_end = causal ? min(nk, q0 + ATTN_BR) : nk;

  for (int k0 = 0; k0 < kv_end; k0 += BC) {
    load_tile<T, DP, LD>(ks, kb, k0, nk, d, stride, vec);
    load_tile<T, DP, LD>(vs, vb, k0, nk, d, stride, vec);
    __syncthreads();

    float s[BC / 8][4];
#pragma unroll
    for (int j = 0; j < BC / 8; j++) {
      s[j][0] = s[j][1] = s[j][2] = s[j][3] = 0.f;
#pragma unroll
      for (int kk = 0; kk < KS; kk++) {
        const T* p = ks + (j * 8 + g) * LD + kk * 16 + t * 2;
        Mma<T>::run(s[j], qf[kk], *reinterpret_cast<const uint32_t*>(p), *reinterpret_cast<const uint32_t*>(p + 8));
      }
    }

    float mx[2] = {m[0], m[1]};
#pragma unroll
    for (int j = 0; j < BC / 8; j++) {
#pragma unroll
      for (int c = 0; c < 4; c++) {
        int key = k0 + j * 8 + t * 2 + (c & 1);
        bool masked = key >= nk || (causal && key > qrow[c >> 1]);
        float val = masked ? -INFINITY : s[j][c] * scale_log2;
        s[j][c] = val;
        mx[c >> 1] = fmaxf(mx[c >> 1], val);
      }
    }
    float alpha[2];
#pragma unroll
    for (int i = 0; i < 2; i++) {
      mx[i] = fmaxf(mx[i], __shfl_xor_sync(0xffffffffu, mx[i], 1));
      mx[i] = fmaxf(mx[i], __shfl_xor_sync(0xffffffffu, mx[i], 2));
      // A row that has seen only masked keys keeps -inf; subtracting 0 then keeps exp2 away from inf - inf.
      float base = mx[i] == -INFINITY ? 0.f : mx[i];
      alpha[i] = exp2f(m[i] - base);
      m[i] = mx[i];
      mx[i] = base;
      l[i] *= alpha[i];
    }
#pragma unroll
    for (int j = 0; j < BC / 8; j++) {
#pragma unroll
      for (int c = 0; c < 4; c++) {
        float p = exp2f(s[j][c] - mx[c >> 1]);
        s[j][c] = p;
        l[c >> 1] += p;
      }
    }
#pragma unroll
    for (int n = 0; n < NT; n++) {
      acc[n][0] *= alpha[0];
      acc[n][1] *= alpha[0];
      acc[n][2] *= alpha[1];
      acc[n][3] *= alpha[1];
    }

    // O += P V: the score accumulators of two adjacent key tiles form one A fragment.
#pragma unroll
    for (int kt = 0; kt < BC / 16; kt++) {
      uint32_t a[4];
      a[0] = pack2<T>(s[2 * kt][0], s[2 * kt][1]);
      a[1] = pack2<T>(s[2 * kt][2], s[2 * kt][3]);
      a[2] = pack2<T>(s[2 * kt + 1][0], s[2 * kt + 1][1]);
      a[3] = pack2<T>(s[2 * kt + 1][2], s[2 * kt + 1][3]);
#pragma unroll
      for (int n = 0; n < NT; n++) {
        // B fragment of V [key][dim]: keys kt*16 + 2t, +1 (b0) and +8, +9 (b1) of column n*8 + g.
        const T* p = vs + (kt * 16 + t * 2) * LD + n * 8 + g;
        Mma<T>::run(acc[n], a, pack_raw(p, p + LD), pack_raw(p + 8 * LD, p + 9 * LD));
      }
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 2; i++) {
    l[i] += __shfl_xor_sync(0xffffffffu, l[i], 1);
    l[i] += __shfl_xor_sync(0xffffffffu, l[i], 2);
    l[i] = l[i] > 0.f ? 1.f / l[i] : 0.f;
  }
#pragma unroll
  for (int n = 0; n < NT; n++) {
#pragma unroll
    for (int c = 0; c < 4; c++) {
      int row = qrow[c >> 1];
      int col = n * 8 + t * 2 + (c & 1);
      if (row < nq && col < d) ob[(long long)row * stride + col] = from_f<T>(acc[n][c] * l[c >> 1]);
    }
  }
}

}  // namespace sdj

#define SDJ_FLASH(T, S, DP, BC)                                                                              \
  extern "C" __global__ void __launch_bounds__(sdj::ATTN_THREADS)                                            \
      sdj_flash_attention_##S##_d##DP(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads,  \
                                      int d, float scale_log2, int causal) {                                \
    sdj::flash_attention_body<T, DP, BC>(q, k, v, o, nq, nk, heads, d, scale_log2, causal);                \
  }

#define SDJ_FLASH_ALL(T, S)  \
  SDJ_FLASH(T, S, 16, 64)    \
  SDJ_FLASH(T, S, 32, 64)    \
  SDJ_FLASH(T, S, 48, 64)    \
  SDJ_FLASH(T, S, 64, 64)    \
  SDJ_FLASH(T, S, 80, 64)    \
  SDJ_FLASH(T, S, 96, 64)    \
  SDJ_FLASH(T, S, 128, 64)   \
  SDJ_FLASH(T, S, 160, 64)

SDJ_FLASH_ALL(__half, f16)
SDJ_FLASH_ALL(__nv_bfloat16, bf16)
