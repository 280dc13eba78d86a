package org.sdj.cuda;

import java.util.function.Function;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Tensor;

/**
 * The CUDA backend's 2-D convolution, which takes one of four paths by shape, each chosen where it measured fastest
 * on an H200 (benchmarks/RESULTS.md): 1x1 convolutions as one cuBLASLt product per image; those with at most
 * {@link CudaOptions#gemmConvPixels()} output pixels as im2col and one product per image; the others on cuDNN's NCHW
 * algorithms; and channels-last images ({@link CudaOptions#channelsLast()}, the default) on cuDNN's NHWC ones, 1x1
 * convolutions as one product over all pixels. Bias and residual are the products' epilogue where they can be, a
 * pass of their own after cuDNN. One per {@link CudaOps} scope, whose results and scratch it uses.
 */
final class CudaConv2d {
  private final CudaBackend backend;
  private final Kernels k;
  private final BlockCache cache;
  /** A tensor of the scope, in the compute type, for scratch. */
  private final Function<long[], DeviceTensor> scratch;

  CudaConv2d(CudaBackend backend, BlockCache cache, Function<long[], DeviceTensor> scratch) {
    this.backend = backend;
    this.k = backend.kernels();
    this.cache = cache;
    this.scratch = scratch;
  }

  /**
   * Enqueues {@code y = conv(x, weight) (+ bias) (+ residual)} for {@code x [n, c, h, w]} of shape {@code xShape} at
   * {@code px}, the weight {@code [o, c, kh, kw]} at {@code pw}, the optional bias and residual at {@code pb},
   * {@code pr} (0 where absent), into {@code y [n, o, oh, ow]}.
   */
  void forward(long[] xShape, Tensor weight, Conv2dParams p, long px, long pw, long pb, long pr, DeviceTensor y) {
    Sizes s = Sizes.of(xShape, y);
    int n = s.n();
    int c = s.c();
    int h = s.h();
    int w = s.w();
    int oh = s.oh();
    int ow = s.ow();
    int gemmPixels = backend.options().gemmConvPixels();
    if (gemmPixels > 0 && isPointwise(weight, p)) {
      pointwise(px, pw, pb, pr, y, n, c, (long) h * w, s.o());
    } else if ((long) oh * ow <= gemmPixels && Kernels.im2colFits(1, c, (long) oh * ow)) {
      onGemm(px, pw, pb, pr, y, n, c, h, w, weight, p, oh, ow);
    } else {
      onCudnn(px, pw, pb, pr, y, n, c, h, w, weight, p);
    }
  }

  /**
   * Channels last ({@link CudaOptions#channelsLast()}): {@code y [n, oh, ow, o]} = conv({@code x [n, h, w, c]} at
   * {@code px}, {@code weight}) (+ bias) (+ the channels-last residual at {@code pr}). A 1x1 convolution is one
   * product over every pixel's channels with bias and residual as its epilogue; the others run on cuDNN's NHWC
   * algorithms with the filter as {@code [o, kh, kw, c]} (a channels-last weight as uploaded), unequal padding applied
   * to a copy of the input first.
   */
  void forwardChannelsLast(long[] xShape, DeviceTensor weight, Conv2dParams p, long px, long pb, long pr,
      DeviceTensor y) {
    Sizes s = Sizes.of(xShape, y);
    int n = s.n();
    int c = s.c();
    int h = s.h();
    int w = s.w();
    int o = s.o();
    int kh = (int) weight.dim(2);
    int kw = (int) weight.dim(3);
    if (isPointwise(weight, p)) {
      long rows = (long) n * h * w;
      if (rows > 0 && o > 0) {
        backend.gemm().linear(px, weight.address(), pb, pr, y.address(), rows, c, o);
      }
      return;
    }
    DeviceTensor padded = null;
    if (p.padTop() != p.padBottom() || p.padLeft() != p.padRight()) {
      int ph = h + p.padTop() + p.padBottom();
      int pwid = w + p.padLeft() + p.padRight();
      padded = scratch.apply(new long[] {n, ph, pwid, c});
      k.pad2dNhwc(px, padded.address(), n, h, w, p.padTop(), p.padLeft(), ph, pwid, c);
      px = padded.address();
      h = ph;
      w = pwid;
    }
    var key = new Convolution.Key(n, c, h, w, o, kh, kw, p.stride(), padded == null ? p.padTop() : 0,
        padded == null ? p.padLeft() : 0, true);
    long filter = weight.channelsLast() ? weight.address() : backend.filterKrsc(weight, o, c, kh * kw);
    DeviceTensor own = null;
    if (filter == 0) {
      // A row-major activation used as a filter: a copy for this call only.
      own = scratch.apply(weight.shape());
      k.transpose(weight.address(), own.address(), o, c, kh * kw);
      filter = own.address();
    }
    try {
      backend.convolution().forward(key, px, filter, y.address(), s.oh(), s.ow(), cache);
    } finally {
      if (own != null) {
        own.close();
      }
      if (padded != null) {
        padded.close();
      }
    }
    if (pb != 0 || pr != 0) {
      // Channels innermost: element i's channel is i % o.
      k.biasResidual(y.address(), pb, pr, y.numel(), o, 1);
    }
  }

  /** Input {@code [n, c, h, w]} and output {@code [n, o, oh, ow]} sizes of one convolution. */
  private record Sizes(int n, int c, int h, int w, int o, int oh, int ow) {
    static Sizes of(long[] xShape, DeviceTensor y) {
      return new Sizes((int) xShape[0], (int) xShape[1], (int) xShape[2], (int) xShape[3], (int) y.dim(1),
          (int) y.dim(2), (int) y.dim(3));
    }
  }

  /** A 1x1 convolution with stride 1 and no padding: a product over each pixel's channels. */
  private static boolean isPointwise(Tensor weight, Conv2dParams p) {
    return weight.dim(2) == 1 && weight.dim(3) == 1 && p.stride() == 1 && p.padTop() == 0 && p.padBottom() == 0
        && p.padLeft() == 0 && p.padRight() == 0;
  }

  /** On cuDNN, which pads both sides alike: unequal padding is applied to a copy of the input first. */
  private void onCudnn(long px, long pw, long pb, long pr, DeviceTensor y, int n, int c, int h, int w, Tensor weight,
      Conv2dParams p) {
    DeviceTensor padded = null;
    if (p.padTop() != p.padBottom() || p.padLeft() != p.padRight()) {
      int ph = h + p.padTop() + p.padBottom();
      int pwid = w + p.padLeft() + p.padRight();
      padded = scratch.apply(new long[] {n, c, ph, pwid});
      k.pad2d(px, padded.address(), (long) n * c, h, w, p.padTop(), p.padLeft(), ph, pwid);
      px = padded.address();
      h = ph;
      w = pwid;
    }
    int padH = padded == null ? p.padTop() : 0;
    int padW = padded == null ? p.padLeft() : 0;
    int o = (int) y.dim(1);
    int oh = (int) y.dim(2);
    int ow = (int) y.dim(3);
    var key = new Convolution.Key(n, c, h, w, o, (int) weight.dim(2), (int) weight.dim(3), p.stride(), padH, padW,
        false);
    backend.convolution().forward(key, px, pw, y.address(), oh, ow, cache);
    if (padded != null) {
      padded.close();
    }
    if (pb != 0 || pr != 0) {
      k.biasResidual(y.address(), pb, pr, y.numel(), o, (long) oh * ow);
    }
  }

  /**
   * A 1x1 convolution, stride 1, no padding, as one cuBLASLt product per image, {@code y_i [o, hw] = w [o, c] x_i [c,
   * hw]} with the residual as its C: an NCHW image is already the product's operand, where cuDNN's NCHW algorithms
   * reached about 40 TFLOP/s on an H200 at the UNet's 32x32 and 64x64 levels.
   */
  private void pointwise(long px, long pw, long pb, long pr, DeviceTensor y, int n, int c, long hw, int o) {
    long element = backend.computeType().byteSize();
    long input = c * hw * element;
    long image = o * hw * element;
    for (int i = 0; i < n; i++) {
      backend.gemm().multiply(pw, px + i * input, pr == 0 ? 0 : pr + i * image, y.address() + i * image, o, c, hw);
    }
    if (pb != 0) {
      k.biasResidual(y.address(), pb, 0, y.numel(), o, hw);
    }
  }

  /**
   * {@code y [n, o, oh, ow]} as im2col and one cuBLASLt product per image, {@code y_i [o, oh*ow] = w [o, c*kh*kw]
   * col_i [oh*ow, c*kh*kw]^T} with the residual as the product's C: at small resolutions the products are too small
   * for cuDNN's NCHW algorithms to fill the GPU, where cuBLASLt's still do.
   */
  private void onGemm(long px, long pw, long pb, long pr, DeviceTensor y, int n, int c, int h, int w,
      Tensor weight, Conv2dParams p, int oh, int ow) {
    int o = (int) weight.dim(0);
    int kh = (int) weight.dim(2);
    int kw = (int) weight.dim(3);
    long taps = (long) c * kh * kw;
    long pixels = (long) oh * ow;
    long element = backend.computeType().byteSize();
    // One image's columns at a time, the buffer reused in stream order: half the memory of all at once.
    try (DeviceTensor col = scratch.apply(new long[] {1, pixels, taps})) {
      long input = (long) c * h * w * element;
      long image = o * pixels * element;
      for (int i = 0; i < n; i++) {
        k.im2col(px + i * input, col.address(), 1, c, h, w, kh, kw, p.stride(), p.padTop(), p.padLeft(), oh, ow);
        backend.gemm().linear(pw, col.address(), 0, pr == 0 ? 0 : pr + i * image, y.address() + i * image, o, taps,
            pixels);
      }
    }
    if (pb != 0) {
      k.biasResidual(y.address(), pb, 0, y.numel(), o, pixels);
    }
  }
}
