package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudnn.CUDNN_CROSS_CORRELATION;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_BFLOAT16;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_FLOAT;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_HALF;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_NCHW;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_OP_MATH;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionForward;
import static org.bytedeco.cuda.global.cudnn.cudnnCreate;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateConvolutionDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateFilterDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateTensorDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroy;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroyConvolutionDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroyFilterDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnDestroyTensorDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionForwardAlgorithm_v7;
import static org.bytedeco.cuda.global.cudnn.cudnnGetConvolutionForwardWorkspaceSize;
import static org.bytedeco.cuda.global.cudnn.cudnnSetConvolution2dDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetConvolutionMathType;
import static org.bytedeco.cuda.global.cudnn.cudnnSetFilter4dDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetStream;
import static org.bytedeco.cuda.global.cudnn.cudnnSetTensor4dDescriptor;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.sdj.backend.DType;

/**
 * 2-D convolution on cuDNN (legacy API), NCHW, 16-bit data with float accumulation on the tensor cores. Plans
 * (descriptors, the heuristic's algorithm and its workspace size) are cached per shape; padding must be symmetric
 * here ({@link CudaOps} pads unequal sides first).
 *
 * <p>cuDNN 9 deprecates this descriptor API in favour of its graph API, but still ships it; moving to the graph API
 * (and to NHWC with fused bias + residual) is the next step, hence the suppression.
 */
@SuppressWarnings("deprecation")
final class Convolution implements AutoCloseable {
  private static final int CANDIDATES = 8;

  private final cudnnContext handle = new cudnnContext();
  private final int dataType;
  private final Supplier<CUstream_st> streams;
  private final Map<Key, Plan> plans = new HashMap<>();
  private final FloatPointer one = new FloatPointer(1f);
  private final FloatPointer zero = new FloatPointer(0f);

  /** Input {@code [n, c, h, w]}, filter {@code [o, c, kh, kw]}. */
  record Key(int n, int c, int h, int w, int o, int kh, int kw, int stride, int padH, int padW) {}

  private record Plan(cudnnTensorStruct x, cudnnFilterStruct f, cudnnConvolutionStruct conv, cudnnTensorStruct y,
      int algo, long workspace) {}

  /** Convolutions enqueued on the stream {@code streams} gives the calling thread. */
  Convolution(Supplier<CUstream_st> streams, DType type) {
    this.dataType = type == DType.BF16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_HALF;
    this.streams = streams;
    Cu.checkDnn(cudnnCreate(handle), "cudnnCreate");
  }

  /**
   * Enqueues {@code y = conv(x, weight)} for {@code key}'s shapes; {@code y} is {@code [n, o, h', w']}. The workspace
   * comes from the calling scope's {@code memory} (a recorded replay keeps its blocks to itself).
   */
  synchronized void forward(Key key, long x, long weight, long y, int outH, int outW, BlockCache memory) {
    Cu.checkDnn(cudnnSetStream(handle, streams.get()), "cudnnSetStream");
    Plan p = plans.computeIfAbsent(key, k -> plan(k, outH, outW));
    long ws = p.workspace > 0 ? memory.acquire(p.workspace) : 0;
    try {
      Cu.checkDnn(cudnnConvolutionForward(handle, one, p.x, new DevicePointer(x), p.f, new DevicePointer(weight),
          p.conv, p.algo, new DevicePointer(ws), p.workspace, zero, p.y, new DevicePointer(y)),
          "cudnnConvolutionForward " + key);
    } finally {
      if (ws != 0) {
        memory.release(ws);
      }
    }
  }

  private Plan plan(Key k, int outH, int outW) {
    cudnnTensorStruct x = new cudnnTensorStruct();
    cudnnTensorStruct y = new cudnnTensorStruct();
    cudnnFilterStruct f = new cudnnFilterStruct();
    cudnnConvolutionStruct conv = new cudnnConvolutionStruct();
    Cu.checkDnn(cudnnCreateTensorDescriptor(x), "cudnnCreateTensorDescriptor");
    Cu.checkDnn(cudnnCreateTensorDescriptor(y), "cudnnCreateTensorDescriptor");
    Cu.checkDnn(cudnnCreateFilterDescriptor(f), "cudnnCreateFilterDescriptor");
    Cu.checkDnn(cudnnCreateConvolutionDescriptor(conv), "cudnnCreateConvolutionDescriptor");
    Cu.checkDnn(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, dataType, k.n(), k.c(), k.h(), k.w()), "x " + k);
    Cu.checkDnn(cudnnSetFilter4dDescriptor(f, dataType, CUDNN_TENSOR_NCHW, k.o(), k.c(), k.kh(), k.kw()), "w " + k);
    Cu.checkDnn(cudnnSetConvolution2dDescriptor(conv, k.padH(), k.padW(), k.stride(), k.stride(), 1, 1,
        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "conv " + k);
    Cu.checkDnn(cudnnSetConvolutionMathType(conv, CUDNN_TENSOR_OP_MATH), "cudnnSetConvolutionMathType");
    Cu.checkDnn(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, dataType, k.n(), k.o(), outH, outW), "y " + k);
    int algo = -1;
    try (cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(CANDIDATES);
        IntPointer count = new IntPointer(1)) {
      Cu.checkDnn(cudnnGetConvolutionForwardAlgorithm_v7(handle, x, f, conv, y, CANDIDATES, count, perf),
          "cudnnGetConvolutionForwardAlgorithm_v7 " + k);
      for (int i = 0; i < count.get() && algo < 0; i++) {
        perf.position(i);
        if (perf.status() == 0) {
          algo = perf.algo();
        }
      }
    }
    if (algo < 0) {
      throw new CudaException("cuDNN has no forward algorithm for " + k);
    }
    long workspace;
    try (SizeTPointer size = new SizeTPointer(1)) {
      Cu.checkDnn(cudnnGetConvolutionForwardWorkspaceSize(handle, x, f, conv, y, algo, size),
          "cudnnGetConvolutionForwardWorkspaceSize " + k);
      workspace = size.get();
    }
    return new Plan(x, f, conv, y, algo, workspace);
  }

  @Override
  public synchronized void close() {
    for (Plan p : plans.values()) {
      cudnnDestroyTensorDescriptor(p.x);
      cudnnDestroyTensorDescriptor(p.y);
      cudnnDestroyFilterDescriptor(p.f);
      cudnnDestroyConvolutionDescriptor(p.conv);
    }
    plans.clear();
    cudnnDestroy(handle);
  }
}
