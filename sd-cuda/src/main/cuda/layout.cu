// Data-movement kernels: slices, concatenation, batched transposes (NCHW <-> tokens), nearest upsampling,
// embedding rows, and zero padding for convolutions with unequal padding on opposite sides.
#include "common.cuh"

namespace sdj {

// y [outer, len * inner] = x [outer, dim * inner] at offset start * inner of each outer row (narrow).
template <typename T>
__device__ void slice_body(const T* x, T* y, long long outer, long long src_row, long long offset,
                           long long dst_row) {
  SDJ_FOR_EACH(i, outer * dst_row) {
    long long o = i / dst_row;
    y[i] = x[o * src_row + offset + (i - o * dst_row)];
  }
}

// y [outer, a_row + b_row] = a [outer, a_row] ++ b [outer, b_row] (concat along one dim).
template <typename T>
__device__ void concat_body(const T* a, const T* b, T* y, long long outer, long long a_row, long long b_row) {
  long long row = a_row + b_row;
  SDJ_FOR_EACH(i, outer * row) {
    long long o = i / row;
    long long j = i - o * row;
    y[i] = j < a_row ? a[o * a_row + j] : b[o * b_row + (j - a_row)];
  }
}

// concat_body in 16-byte vectors, for a_row and b_row multiples of 8 elements and a, b, y 16-byte aligned (Kernels
// checks): rows here count vectors. Scalar 2-byte copies with a 64-bit division each kept the UNet's skip concats near
// 1 TB/s; now each thread moves 16 bytes at the price of one 32-bit division (outer * row < 2^31 vectors, Kernels
// checks, so a thread's index plus the grid's stride still fits an unsigned int). A pure copy: no element type needed.
__device__ void concat_vec_body(const uint4* a, const uint4* b, uint4* y, unsigned outer, unsigned a_row,
                                unsigned b_row) {
  unsigned row = a_row + b_row;
  unsigned n = outer * row;
  for (unsigned v = blockIdx.x * blockDim.x + threadIdx.x; v < n; v += gridDim.x * blockDim.x) {
    unsigned o = v / row;
    unsigned j = v - o * row;
    y[v] = j < a_row ? a[o * a_row + j] : b[o * b_row + (j - a_row)];
  }
}

// y [batch, cols, rows] = transpose of x [batch, rows, cols], through a 32 x 33 tile so both sides coalesce.
template <typename T>
__device__ void transpose_body(const T* x, T* y, int rows, int cols) {
  __shared__ T tile[32][33];
  long long base = (long long)blockIdx.z * rows * cols;
  int c0 = blockIdx.x * 32;
  int r0 = blockIdx.y * 32;
  for (int dy = threadIdx.y; dy < 32; dy += blockDim.y) {
    int r = r0 + dy;
    int c = c0 + threadIdx.x;
    if (r < rows && c < cols) tile[dy][threadIdx.x] = x[base + (long long)r * cols + c];
  }
  __syncthreads();
  for (int dy = threadIdx.y; dy < 32; dy += blockDim.y) {
    int c = c0 + dy;
    int r = r0 + threadIdx.x;
    if (r < rows && c < cols) y[base + (long long)c * rows + r] = tile[threadIdx.x][dy];
  }
}

// The 8 16-bit elements of one 16-byte vector as raw bits, first element in the low half of .x (little-endian).
__device__ __forceinline__ void split8(uint4 v, unsigned short e[VEC]) {
  unsigned w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int k = 0; k < 4; k++) {
    e[2 * k] = (unsigned short)(w[k] & 0xffffu);
    e[2 * k + 1] = (unsigned short)(w[k] >> 16);
  }
}

__device__ __forceinline__ uint4 join8(const unsigned short e[VEC]) {
  return make_uint4(e[0] | (unsigned)e[1] << 16, e[2] | (unsigned)e[3] << 16, e[4] | (unsigned)e[5] << 16,
                    e[6] | (unsigned)e[7] << 16);
}

constexpr int TRANSPOSE_TILE = 64;       // Kernels.TRANSPOSE_TILE
constexpr int TRANSPOSE_THREADS = 256;   // Kernels.TRANSPOSE_THREADS: two vectors per thread each way

// transpose_body for rows and cols multiples of 8 with x and y 16-byte aligned (Kernels.transpose checks). The scalar
// kernel's 2-byte accesses move 64 bytes per warp instruction and left too few bytes in flight (~1 TB/s); here a
// 64 x 64 tile is read and written in 16-byte vectors, eight threads per 128-byte tile row, so a warp covers four whole
// rows per access on both sides. Rows and cols being multiples of 8, a vector lies entirely inside or outside x.
// Shared memory is accessed per element: tile rows of 66 elements are 33 four-byte words, so row r starts in bank
// r mod 32. Scattering (row tr = t/8, column 8*(t%8)+j): bank tr + 4*(t%8) + j/2, distinct over a warp's 4 x 8 threads.
// Gathering (column tc = t/8, row 8*(t%8)+j): bank 8*(t%8) + j + tc/2, and the two threads of one bank read one word.
// A pure copy, so elements are raw 16-bit patterns.
__device__ void transpose_vec_body(const unsigned short* x, unsigned short* y, int rows, int cols) {
  __shared__ unsigned short tile[TRANSPOSE_TILE][TRANSPOSE_TILE + 2];
  long long base = (long long)blockIdx.z * rows * cols;
  int r0 = blockIdx.y * TRANSPOSE_TILE;
  int c0 = blockIdx.x * TRANSPOSE_TILE;
  int part = (threadIdx.x % 8) * VEC;  // where this thread's vector starts within a tile row (or column)
  int step = blockDim.x / 8;
  unsigned short e[VEC];
  for (int tr = threadIdx.x / 8; tr < TRANSPOSE_TILE; tr += step) {
    int r = r0 + tr;
    int c = c0 + part;
    if (r < rows && c < cols) {
      split8(*reinterpret_cast<const uint4*>(x + base + (long long)r * cols + c), e);
#pragma unroll
      for (int j = 0; j < VEC; j++) tile[tr][part + j] = e[j];
    }
  }
  __syncthreads();
  for (int tc = threadIdx.x / 8; tc < TRANSPOSE_TILE; tc += step) {
    int c = c0 + tc;
    int r = r0 + part;
    if (r < rows && c < cols) {
#pragma unroll
      for (int j = 0; j < VEC; j++) e[j] = tile[part + j][tc];
      *reinterpret_cast<uint4*>(y + base + (long long)c * rows + r) = join8(e);
    }
  }
}

// torch's "nearest": src = min(floor(dst * (float) in / out), in - 1).
__device__ __forceinline__ int nearest_source(int dst, int in, int out) {
  float scale = (float)in / (float)out;
  int s = (int)floorf((float)dst * scale);
  return s < in - 1 ? s : in - 1;
}

template <typename T>
__device__ void upsample_nearest_body(const T* x, T* y, long long planes, int h, int w, int oh, int ow) {
  SDJ_FOR_EACH(i, planes * oh * ow) {
    long long p = i / ((long long)oh * ow);
    int rem = (int)(i - p * oh * ow);
    int oy = rem / ow;
    int ox = rem - oy * ow;
    y[i] = x[(p * h + nearest_source(oy, h, oh)) * w + nearest_source(ox, w, ow)];
  }
}

// Channels-last images x [n, h, w, c]: each pixel's c channels are contiguous, so the layout kernels below move
// whole pixels. E is the storage type, or uint4 for 8 channels at a time where c % 8 == 0 and both tensors are 16-byte
// aligned (Kernels checks); c then counts vectors.
__device__ __forceinline__ uint4 zero_of(uint4) { return make_uint4(0u, 0u, 0u, 0u); }
template <typename T> __device__ __forceinline__ T zero_of(T) { return from_f<T>(0.f); }

// y [n, oh, ow, c] = x [n, h, w, c] at torch's nearest source pixel.
template <typename E>
__device__ void upsample_nearest_nhwc_body(const E* x, E* y, long long images, int h, int w, int oh, int ow, int c) {
  SDJ_FOR_EACH(i, images * oh * ow * c) {
    long long pixel = i / c;
    int ch = (int)(i - pixel * c);
    long long img = pixel / ((long long)oh * ow);
    int rem = (int)(pixel - img * oh * ow);
    int oy = rem / ow;
    int ox = rem - oy * ow;
    y[i] = x[((img * h + nearest_source(oy, h, oh)) * w + nearest_source(ox, w, ow)) * c + ch];
  }
}

// A padded coordinate's source along a side of n: itself, or wrapped around (circular padding, at most n wide).
__device__ __forceinline__ int pad_source(int v, int n, int wrap) {
  return wrap ? (v < 0 ? v + n : (v >= n ? v - n : v)) : v;
}

// y [n, ph, pw, c] = x [n, h, w, c] placed at (top, left), zeros around it, or along a wrapped axis its own far rows
// or columns (seamless tiling's circular padding).
template <typename E>
__device__ void pad2d_nhwc_body(const E* x, E* y, long long images, int h, int w, int top, int left, int ph, int pw,
                                int c, int wrap_h, int wrap_w) {
  SDJ_FOR_EACH(i, images * ph * pw * c) {
    long long pixel = i / c;
    int ch = (int)(i - pixel * c);
    long long img = pixel / ((long long)ph * pw);
    int rem = (int)(pixel - img * ph * pw);
    int yy = pad_source(rem / pw - top, h, wrap_h);
    int xx = pad_source(rem % pw - left, w, wrap_w);
    y[i] = (yy >= 0 && yy < h && xx >= 0 && xx < w) ? x[((img * h + yy) * w + xx) * c + ch] : zero_of(E());
  }
}

// y [count, width] = table rows picked by ids.
template <typename T>
__device__ void embedding_body(const T* table, const int* ids, T* y, long long count, long long width) {
  SDJ_FOR_EACH(i, count * width) {
    long long r = i / width;
    y[i] = table[(long long)ids[r] * width + (i - r * width)];
  }
}

// y [planes, h + top + bottom, w + left + right] = x zero-padded, or wrapped along an axis as pad2d_nhwc_body.
template <typename T>
__device__ void pad2d_body(const T* x, T* y, long long planes, int h, int w, int top, int left, int ph, int pw,
                           int wrap_h, int wrap_w) {
  SDJ_FOR_EACH(i, planes * ph * pw) {
    long long p = i / ((long long)ph * pw);
    int rem = (int)(i - p * ph * pw);
    int yy = pad_source(rem / pw - top, h, wrap_h);
    int xx = pad_source(rem % pw - left, w, wrap_w);
    y[i] = (yy >= 0 && yy < h && xx >= 0 && xx < w) ? x[(p * h + yy) * w + xx] : from_f<T>(0.f);
  }
}

// col [n, oh*ow, c*kh*kw] = the receptive field of each output pixel of a convolution of x [n, c, h, w] (zeros
// outside x), so that the convolution becomes one product per image with its weights [o, c*kh*kw]. Padding may
// differ per side: bottom and right only show as pixels past the input. One thread per (output pixel, channel) writes
// that channel's kh*kw taps, so the index arithmetic is paid once per kh*kw elements; `pairs` = n*oh*ow*c < 2^31
// (Kernels checks).
template <typename T>
__device__ void im2col_body(const T* x, T* col, int n, int c, int h, int w, int kh, int kw, int stride, int pad_top,
                            int pad_left, int oh, int ow) {
  int pixels = oh * ow;
  int pairs = n * pixels * c;
  int taps = kh * kw;
  for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < pairs; e += gridDim.x * blockDim.x) {
    int row = e / c;  // image * pixels + pixel
    int ch = e - row * c;
    int img = row / pixels;
    int pix = row - img * pixels;
    int oy = pix / ow;
    int y0 = oy * stride - pad_top;
    int x0 = (pix - oy * ow) * stride - pad_left;
    const T* plane = x + ((long long)img * c + ch) * h * w;
    T* out = col + (long long)e * taps;
    for (int ky = 0; ky < kh; ky++) {
      int iy = y0 + ky;
      bool row_in = iy >= 0 && iy < h;
      for (int kx = 0; kx < kw; kx++) {
        int ix = x0 + kx;
        out[ky * kw + kx] = row_in && ix >= 0 && ix < w ? plane[iy * w + ix] : from_f<T>(0.f);
      }
    }
  }
}

}  // namespace sdj

#define SDJ_LAYOUT(T, S)                                                                                      \
  extern "C" __global__ void sdj_slice_##S(const T* x, T* y, long long outer, long long src_row,            \
                                           long long offset, long long dst_row) {                          \
    sdj::slice_body<T>(x, y, outer, src_row, offset, dst_row);                                             \
  }                                                                                                          \
  extern "C" __global__ void sdj_concat_##S(const T* a, const T* b, T* y, long long outer, long long a_row,  \
                                            long long b_row) {                                             \
    sdj::concat_body<T>(a, b, y, outer, a_row, b_row);                                                     \
  }                                                                                                          \
  extern "C" __global__ void sdj_concat_vec_##S(const T* a, const T* b, T* y, int outer, int a_vecs,        \
                                                int b_vecs) {                                              \
    sdj::concat_vec_body(reinterpret_cast<const uint4*>(a), reinterpret_cast<const uint4*>(b),              \
                         reinterpret_cast<uint4*>(y), outer, a_vecs, b_vecs);                              \
  }                                                                                                          \
  extern "C" __global__ void sdj_transpose_##S(const T* x, T* y, int rows, int cols) {                      \
    sdj::transpose_body<T>(x, y, rows, cols);                                                              \
  }                                                                                                          \
  extern "C" __global__ void __launch_bounds__(sdj::TRANSPOSE_THREADS)                                      \
      sdj_transpose_vec_##S(const T* x, T* y, int rows, int cols) {                                         \
    sdj::transpose_vec_body(reinterpret_cast<const unsigned short*>(x), reinterpret_cast<unsigned short*>(y), \
                            rows, cols);                                                                   \
  }                                                                                                          \
  extern "C" __global__ void sdj_upsample_nearest_##S(const T* x, T* y, long long planes, int h, int w,     \
                                                      int oh, int ow) {                                    \
    sdj::upsample_nearest_body<T>(x, y, planes, h, w, oh, ow);                                             \
  }                                                                                                          \
  extern "C" __global__ void sdj_embedding_##S(const T* table, const int* ids, T* y, long long count,       \
                                               long long width) {                                          \
    sdj::embedding_body<T>(table, ids, y, count, width);                                                   \
  }                                                                                                          \
  extern "C" __global__ void sdj_pad2d_##S(const T* x, T* y, long long planes, int h, int w, int top,       \
                                           int left, int ph, int pw, int wrap_h, int wrap_w) {             \
    sdj::pad2d_body<T>(x, y, planes, h, w, top, left, ph, pw, wrap_h, wrap_w);                             \
  }                                                                                                          \
  extern "C" __global__ void sdj_upsample_nearest_nhwc_##S(const T* x, T* y, long long images, int h, int w,  \
                                                           int oh, int ow, int c) {                         \
    sdj::upsample_nearest_nhwc_body<T>(x, y, images, h, w, oh, ow, c);                                     \
  }                                                                                                          \
  extern "C" __global__ void sdj_upsample_nearest_nhwc_vec_##S(const T* x, T* y, long long images, int h,    \
                                                               int w, int oh, int ow, int c_vecs) {         \
    sdj::upsample_nearest_nhwc_body<uint4>(reinterpret_cast<const uint4*>(x), reinterpret_cast<uint4*>(y),  \
                                           images, h, w, oh, ow, c_vecs);                                  \
  }                                                                                                          \
  extern "C" __global__ void sdj_pad2d_nhwc_##S(const T* x, T* y, long long images, int h, int w, int top,  \
                                                int left, int ph, int pw, int c, int wrap_h, int wrap_w) { \
    sdj::pad2d_nhwc_body<T>(x, y, images, h, w, top, left, ph, pw, c, wrap_h, wrap_w);                     \
  }                                                                                                          \
  extern "C" __global__ void sdj_pad2d_nhwc_vec_##S(const T* x, T* y, long long images, int h, int w,       \
                                                    int top, int left, int ph, int pw, int c_vecs,         \
                                                    int wrap_h, int wrap_w) {                              \
    sdj::pad2d_nhwc_body<uint4>(reinterpret_cast<const uint4*>(x), reinterpret_cast<uint4*>(y), images, h,  \
                                w, top, left, ph, pw, c_vecs, wrap_h, wrap_w);                             \
  }                                                                                                          \
  extern "C" __global__ void sdj_im2col_##S(const T* x, T* col, int n, int c, int h, int w, int kh, int kw, \
                                            int stride, int pad_top, int pad_left, int oh, int ow) {       \
    sdj::im2col_body<T>(x, col, n, c, h, w, kh, kw, stride, pad_top, pad_left, oh, ow);                    \
  }

SDJ_LAYOUT(__half, f16)
SDJ_LAYOUT(__nv_bfloat16, bf16)
