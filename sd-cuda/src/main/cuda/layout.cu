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

// y [count, width] = table rows picked by ids.
template <typename T>
__device__ void embedding_body(const T* table, const int* ids, T* y, long long count, long long width) {
  SDJ_FOR_EACH(i, count * width) {
    long long r = i / width;
    y[i] = table[(long long)ids[r] * width + (i - r * width)];
  }
}

// y [planes, h + top + bottom, w + left + right] = x zero-padded.
template <typename T>
__device__ void pad2d_body(const T* x, T* y, long long planes, int h, int w, int top, int left, int ph, int pw) {
  SDJ_FOR_EACH(i, planes * ph * pw) {
    long long p = i / ((long long)ph * pw);
    int rem = (int)(i - p * ph * pw);
    int yy = rem / pw - top;
    int xx = rem % pw - left;
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
  extern "C" __global__ void sdj_transpose_##S(const T* x, T* y, int rows, int cols) {                      \
    sdj::transpose_body<T>(x, y, rows, cols);                                                              \
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
                                           int left, int ph, int pw) {                                     \
    sdj::pad2d_body<T>(x, y, planes, h, w, top, left, ph, pw);                                             \
  }                                                                                                          \
  extern "C" __global__ void sdj_im2col_##S(const T* x, T* col, int n, int c, int h, int w, int kh, int kw, \
                                            int stride, int pad_top, int pad_left, int oh, int ow) {       \
    sdj::im2col_body<T>(x, col, n, c, h, w, kh, kw, stride, pad_top, pad_left, oh, ow);                    \
  }

SDJ_LAYOUT(__half, f16)
SDJ_LAYOUT(__nv_bfloat16, bf16)
