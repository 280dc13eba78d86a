// Pointwise kernels: activations, GEGLU, broadcast adds, scaling, and the bias + residual epilogue of convolutions.
#include "common.cuh"

namespace sdj {

// Activation codes, in the order of org.sdj.backend.Activation.
enum { SILU = 0, GELU = 1, GELU_TANH = 2, QUICK_GELU = 3, RELU = 4, LEAKY_RELU = 5, TANH = 6 };

__device__ __forceinline__ float sigmoidf(float x) { return 1.f / (1.f + __expf(-x)); }

__device__ __forceinline__ float geluf(float x) { return 0.5f * x * erfcf(-x * 0.70710678118654752f); }

__device__ __forceinline__ float activate(int kind, float x) {
  switch (kind) {
    case SILU: return x * sigmoidf(x);
    case GELU: return geluf(x);
    case GELU_TANH: return 0.5f * x * (1.f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
    case RELU: return fmaxf(x, 0.f);
    case LEAKY_RELU: return x >= 0.f ? x : 0.2f * x;
    case TANH: return tanhf(x);
    default: return x * sigmoidf(1.702f * x);
  }
}

template <typename T>
__device__ void activation_body(const T* x, T* y, int kind, long long n) {
  SDJ_FOR_EACH(i, n) { y[i] = from_f<T>(activate(kind, to_f(x[i]))); }
}

// x [rows, 2 half] -> y [rows, half] = x[:, :half] * gelu(x[:, half:])
template <typename T>
__device__ void geglu_body(const T* x, T* y, long long rows, long long half) {
  SDJ_FOR_EACH(i, rows * half) {
    long long r = i / half;
    long long c = i - r * half;
    const T* row = x + r * 2 * half;
    y[i] = from_f<T>(to_f(row[c]) * geluf(to_f(row[half + c])));
  }
}

// geglu_body 8 outputs at a time with 16-byte loads and stores, where half % 8 == 0 and x and y are 16-byte aligned
// (Kernels.geglu checks): one division per 8 outputs instead of one each, and a quarter of the memory transactions.
template <typename T>
__device__ void geglu_vec_body(const T* x, T* y, long long rows, long long half) {
  long long per_row = half / VEC;
  SDJ_FOR_EACH(v, rows * per_row) {
    long long r = v / per_row;
    long long c = (v - r * per_row) * VEC;
    const T* row = x + r * 2 * half;
    float a[VEC], g[VEC];
    unpack8<T>(load8(row + c), a);
    unpack8<T>(load8(row + half + c), g);
#pragma unroll
    for (int j = 0; j < VEC; j++) a[j] *= geluf(g[j]);
    *reinterpret_cast<uint4*>(y + r * half + c) = pack8<T>(a);
  }
}

// y = a + b[i % nb]: b has a's shape or a suffix of it.
template <typename T>
__device__ void add_body(const T* a, const T* b, T* y, long long n, long long nb) {
  SDJ_FOR_EACH(i, n) { y[i] = from_f<T>(to_f(a[i]) + to_f(b[i % nb])); }
}

// y = x + b[i / spatial]: x [N, C, spatial], b [N, C].
template <typename T>
__device__ void add_per_channel_body(const T* x, const T* b, T* y, long long n, long long spatial) {
  SDJ_FOR_EACH(i, n) { y[i] = from_f<T>(to_f(x[i]) + to_f(b[i / spatial])); }
}

// PReLU: y = x where x >= 0, else x * slopes[channel]; channel (i / inner) % channels for NCHW, i % channels for
// channels last (inner 1).
template <typename T>
__device__ void prelu_body(const T* x, const T* slopes, T* y, long long n, long long inner, int channels) {
  SDJ_FOR_EACH(i, n) {
    float v = to_f(x[i]);
    y[i] = from_f<T>(v >= 0.f ? v : v * to_f(slopes[(i / inner) % channels]));
  }
}

// add_per_channel_body 8 elements at a time, where spatial % 8 == 0 and x, y are 16-byte aligned (Kernels checks): a
// vector then never straddles two channels, so one bias load and one 32-bit division serve 8 elements (vectors < 2^31,
// Kernels checks, so a thread's index plus the grid's stride still fits an unsigned int). Same rounding as the scalar
// kernel: the sum in float, rounded once.
template <typename T>
__device__ void add_per_channel_vec_body(const uint4* x, const T* b, uint4* y, unsigned vectors,
                                         unsigned spatial_vecs) {
  for (unsigned v = blockIdx.x * blockDim.x + threadIdx.x; v < vectors; v += gridDim.x * blockDim.x) {
    float bias = to_f(b[v / spatial_vecs]);
    float e[VEC];
    unpack8<T>(x[v], e);
#pragma unroll
    for (int j = 0; j < VEC; j++) e[j] += bias;
    y[v] = pack8<T>(e);
  }
}

// Channels last: y [N, pixels, C] = x + b [N, C] broadcast over each sample's pixels (per_sample = pixels * C).
template <typename T>
__device__ void add_per_channel_nhwc_body(const T* x, const T* b, T* y, long long n, long long per_sample,
                                          int channels) {
  SDJ_FOR_EACH(i, n) {
    long long s = i / per_sample;
    int c = (int)(i % channels);
    y[i] = from_f<T>(to_f(x[i]) + to_f(b[s * channels + c]));
  }
}

// add_per_channel_nhwc_body 8 channels at a time, where channels % 8 == 0 and x, b, y are 16-byte aligned (Kernels
// checks): a vector then holds 8 channels of one pixel, and the bias 8 consecutive values of one sample's row.
template <typename T>
__device__ void add_per_channel_nhwc_vec_body(const uint4* x, const uint4* b, uint4* y, unsigned vectors,
                                              unsigned per_sample_vecs, unsigned channel_vecs) {
  for (unsigned v = blockIdx.x * blockDim.x + threadIdx.x; v < vectors; v += gridDim.x * blockDim.x) {
    unsigned s = v / per_sample_vecs;
    unsigned cv = v % channel_vecs;
    float e[VEC], f[VEC];
    unpack8<T>(x[v], e);
    unpack8<T>(b[s * channel_vecs + cv], f);
#pragma unroll
    for (int j = 0; j < VEC; j++) e[j] += f[j];
    y[v] = pack8<T>(e);
  }
}

template <typename T>
__device__ void scale_body(const T* x, T* y, float factor, long long n) {
  SDJ_FOR_EACH(i, n) { y[i] = from_f<T>(to_f(x[i]) * factor); }
}

// out = a * x + b * y in float, rounded once to the storage type (a scheduler step on the loop's latents).
template <typename T>
__device__ void combine_body(const T* x, const T* y, T* out, float a, float b, long long n) {
  SDJ_FOR_EACH(i, n) { out[i] = from_f<T>(__fadd_rn(__fmul_rn(a, to_f(x[i])), __fmul_rn(b, to_f(y[i])))); }
}

// y = x converted between storage types (float32 latents <-> 16-bit activations).
template <typename From, typename To>
__device__ void cast_body(const From* x, To* y, long long n) {
  SDJ_FOR_EACH(i, n) { y[i] = from_f<To>(to_f(x[i])); }
}

// In place: y [N, C, spatial] += bias[c] (bias may be null) + residual (may be null). cuDNN's convolution writes y
// first; this is its epilogue, one pass instead of two.
template <typename T>
__device__ void bias_residual_body(T* y, const T* bias, const T* residual, long long n, long long channels,
                                   long long spatial) {
  SDJ_FOR_EACH(i, n) {
    float v = to_f(y[i]);
    if (bias != nullptr) v += to_f(bias[(i / spatial) % channels]);
    if (residual != nullptr) v += to_f(residual[i]);
    y[i] = from_f<T>(v);
  }
}

}  // namespace sdj

#define SDJ_POINTWISE(T, S)                                                                                   \
  extern "C" __global__ void sdj_activation_##S(const T* x, T* y, int kind, long long n) {                  \
    sdj::activation_body<T>(x, y, kind, n);                                                                \
  }                                                                                                          \
  extern "C" __global__ void sdj_prelu_##S(const T* x, const T* slopes, T* y, long long n, long long inner,  \
                                           int channels) {                                                 \
    sdj::prelu_body<T>(x, slopes, y, n, inner, channels);                                                  \
  }                                                                                                          \
  extern "C" __global__ void sdj_geglu_##S(const T* x, T* y, long long rows, long long half) {              \
    sdj::geglu_body<T>(x, y, rows, half);                                                                  \
  }                                                                                                          \
  extern "C" __global__ void sdj_geglu_vec_##S(const T* x, T* y, long long rows, long long half) {          \
    sdj::geglu_vec_body<T>(x, y, rows, half);                                                              \
  }                                                                                                          \
  extern "C" __global__ void sdj_add_##S(const T* a, const T* b, T* y, long long n, long long nb) {          \
    sdj::add_body<T>(a, b, y, n, nb);                                                                      \
  }                                                                                                          \
  extern "C" __global__ void sdj_add_per_channel_##S(const T* x, const T* b, T* y, long long n,             \
                                                     long long spatial) {                                  \
    sdj::add_per_channel_body<T>(x, b, y, n, spatial);                                                     \
  }                                                                                                          \
  extern "C" __global__ void sdj_add_per_channel_vec_##S(const T* x, const T* b, T* y, int vectors,         \
                                                         int spatial_vecs) {                               \
    sdj::add_per_channel_vec_body<T>(reinterpret_cast<const uint4*>(x), b, reinterpret_cast<uint4*>(y),     \
                                     vectors, spatial_vecs);                                               \
  }                                                                                                          \
  extern "C" __global__ void sdj_add_per_channel_nhwc_##S(const T* x, const T* b, T* y, long long n,        \
                                                          long long per_sample, int channels) {             \
    sdj::add_per_channel_nhwc_body<T>(x, b, y, n, per_sample, channels);                                   \
  }                                                                                                          \
  extern "C" __global__ void sdj_add_per_channel_nhwc_vec_##S(const T* x, const T* b, T* y, int vectors,    \
                                                              int per_sample_vecs, int channel_vecs) {      \
    sdj::add_per_channel_nhwc_vec_body<T>(reinterpret_cast<const uint4*>(x), reinterpret_cast<const uint4*>(b), \
                                          reinterpret_cast<uint4*>(y), vectors, per_sample_vecs,            \
                                          channel_vecs);                                                    \
  }                                                                                                          \
  extern "C" __global__ void sdj_scale_##S(const T* x, T* y, float factor, long long n) {                   \
    sdj::scale_body<T>(x, y, factor, n);                                                                   \
  }                                                                                                          \
  extern "C" __global__ void sdj_combine_##S(const T* x, const T* y, T* out, float a, float b,               \
                                             long long n) {                                                  \
    sdj::combine_body<T>(x, y, out, a, b, n);                                                                \
  }                                                                                                          \
  extern "C" __global__ void sdj_bias_residual_##S(T* y, const T* bias, const T* residual, long long n,     \
                                                   long long channels, long long spatial) {                \
    sdj::bias_residual_body<T>(y, bias, residual, n, channels, spatial);                                   \
  }

SDJ_POINTWISE(__half, f16)
SDJ_POINTWISE(__nv_bfloat16, bf16)

// Float32 storage: the denoising loop's latents (scheduler arithmetic) and their conversions to and from activations.
extern "C" __global__ void sdj_scale_f32(const float* x, float* y, float factor, long long n) {
  sdj::scale_body<float>(x, y, factor, n);
}
extern "C" __global__ void sdj_combine_f32(const float* x, const float* y, float* out, float a, float b, long long n) {
  sdj::combine_body<float>(x, y, out, a, b, n);
}
extern "C" __global__ void sdj_cast_f16_to_f32(const __half* x, float* y, long long n) {
  sdj::cast_body<__half, float>(x, y, n);
}
extern "C" __global__ void sdj_cast_bf16_to_f32(const __nv_bfloat16* x, float* y, long long n) {
  sdj::cast_body<__nv_bfloat16, float>(x, y, n);
}
extern "C" __global__ void sdj_cast_f32_to_f16(const float* x, __half* y, long long n) {
  sdj::cast_body<float, __half>(x, y, n);
}
extern "C" __global__ void sdj_cast_f32_to_bf16(const float* x, __nv_bfloat16* y, long long n) {
  sdj::cast_body<float, __nv_bfloat16>(x, y, n);
}
