package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudnn.CUDNN_CROSS_CORRELATION;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_BFLOAT16;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_FLOAT;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_HALF;
import static org.bytedeco.cuda.global.cudnn.CUDNN_STATUS_NOT_SUPPORTED;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_NCHW;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_NHWC;
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
import static org.bytedeco.cuda.global.cudnn.cudnnSetConvolution2dDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetConvolutionMathType;
import static org.bytedeco.cuda.global.cudnn.cudnnSetFilter4dDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetStream;
import static org.bytedeco.cuda.global.cudnn.cudnnSetTensor4dDescriptor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
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
import org.sdj.backend.DType;

/**
 * 2-D convolution on cuDNN (legacy API), NCHW or NHWC ({@link Key#nhwc()}), 16-bit data with float accumulation on the tensor cores. Plans
 * (descriptors and the heuristic's algorithms, each with its math type and workspace) are cached per shape; padding
 * must be symmetric here ({@link CudaOps} pads unequal sides first). A plan runs the heuristic's first algorithm whose
 * workspace fits {@link CudaOptions#convWorkspace()}, and moves on to the next where cuDNN says at run time that it does not
 * support it (the v7 heuristic lists some such).
 *
 * <p>cuDNN 9 deprecates this descriptor API in favour of its graph API, but still ships it; moving to the graph API
 * (and to NHWC with fused bias + residual) is the next step, hence the suppression.
 */
@SuppressWarnings("deprecation")
final class Convolution implements Convolutions, AutoCloseable {
  private static final int CANDIDATES = 8;

  private final cudnnContext handle = new cudnnContext();
  private final int dataType;
  private final Supplier<CUstream_st> streams;
  private final Map<Key, Plan> plans = new HashMap<>();
  private final long workspaceLimit;
  private final FloatPointer one = new FloatPointer(1f);
  private final FloatPointer zero = new FloatPointer(0f);

  /**
   * Input {@code [n, c, h, w]}, filter {@code [o, c, kh, kw]}; with {@code nhwc} the input and output are stored
   * {@code [n, h, w, c]} and the filter {@code [o, kh, kw, c]}.
   */
  record Key(int n, int c, int h, int w, int o, int kh, int kw, int stride, int padH, int padW, boolean nhwc) {}

  /** One of cuDNN's answers: {@code status} 0 where the algorithm applies. */
  record Algo(int status, int algo, int mathType, long workspace) {}

  private static final class Plan {
    final cudnnTensorStruct x;
    final cudnnFilterStruct f;
    final cudnnConvolutionStruct conv;
    final cudnnTensorStruct y;
    final List<Algo> algos;
    int chosen;

    Plan(cudnnTensorStruct x, cudnnFilterStruct f, cudnnConvolutionStruct conv, cudnnTensorStruct y,
        List<Algo> algos) {
      this.x = x;
      this.f = f;
      this.conv = conv;
      this.y = y;
      this.algos = algos;
    }

    Algo algo() {
      return algos.get(chosen);
    }
  }

  /** Convolutions enqueued on the stream {@code streams} gives the calling thread. */
  Convolution(Supplier<CUstream_st> streams, DType type, long workspaceLimit) {
    this.dataType = type == DType.BF16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_HALF;
    this.streams = streams;
    this.workspaceLimit = workspaceLimit;
    Cu.checkDnn(cudnnCreate(handle), "cudnnCreate");
  }

  /** The workspace comes from the calling scope's {@code memory} (a recorded replay keeps its blocks to itself). */
  @Override
  public synchronized void forward(Key key, long x, long weight, long y, int outH, int outW, BlockCache memory) {
    Cu.checkDnn(cudnnSetStream(handle, streams.get()), "cudnnSetStream");
    Plan p = plans.computeIfAbsent(key, k -> plan(k, outH, outW));
    while (true) {
      Algo a = p.algo();
      long ws = a.workspace() > 0 ? memory.acquire(a.workspace()) : 0;
      int status;
      try {
        status = cudnnConvolutionForward(handle, one, p.x, new DevicePointer(x), p.f, new DevicePointer(weight),
            p.conv, a.algo(), new DevicePointer(ws), a.workspace(), zero, p.y, new DevicePointer(y));
      } finally {
        if (ws != 0) {
          memory.release(ws);
        }
      }
      if (status != CUDNN_STATUS_NOT_SUPPORTED || p.chosen + 1 >= p.algos.size()) {
        Cu.checkDnn(status, "cudnnConvolutionForward " + key + " algorithm " + a.algo());
        return;
      }
      p.chosen++;
      Cu.checkDnn(cudnnSetConvolutionMathType(p.conv, p.algo().mathType()), "cudnnSetConvolutionMathType");
    }
  }

  /**
   * The algorithms to try, in order: those that apply and whose workspace fits {@code limit}, in the heuristic's
   * order, then the others that apply, leanest first.
   */
  static List<Algo> usable(List<Algo> heuristic, long limit) {
    List<Algo> fits = new ArrayList<>();
    List<Algo> large = new ArrayList<>();
    for (Algo a : heuristic) {
      if (a.status() == 0) {
        (a.workspace() <= limit ? fits : large).add(a);
      }
    }
    large.sort(Comparator.comparingLong(Algo::workspace));
    fits.addAll(large);
    return fits;
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
    int format = k.nhwc() ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
    Cu.checkDnn(cudnnSetTensor4dDescriptor(x, format, dataType, k.n(), k.c(), k.h(), k.w()), "x " + k);
    Cu.checkDnn(cudnnSetFilter4dDescriptor(f, dataType, format, k.o(), k.c(), k.kh(), k.kw()), "w " + k);
    Cu.checkDnn(cudnnSetConvolution2dDescriptor(conv, k.padH(), k.padW(), k.stride(), k.stride(), 1, 1,
        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "conv " + k);
    Cu.checkDnn(cudnnSetConvolutionMathType(conv, CUDNN_TENSOR_OP_MATH), "cudnnSetConvolutionMathType");
    Cu.checkDnn(cudnnSetTensor4dDescriptor(y, format, dataType, k.n(), k.o(), outH, outW), "y " + k);
    List<Algo> heuristic = new ArrayList<>();
    try (cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(CANDIDATES);
        IntPointer count = new IntPointer(1)) {
      Cu.checkDnn(cudnnGetConvolutionForwardAlgorithm_v7(handle, x, f, conv, y, CANDIDATES, count, perf),
          "cudnnGetConvolutionForwardAlgorithm_v7 " + k);
      for (int i = 0; i < count.get(); i++) {
        perf.position(i);
        heuristic.add(new Algo(perf.status(), perf.algo(), perf.mathType(), perf.memory()));
      }
    }
    List<Algo> algos = usable(heuristic, workspaceLimit);
    if (algos.isEmpty()) {
      throw new CudaException("cuDNN has no forward algorithm for " + k);
    }
    // The math type goes with the algorithm: the heuristic's workspace size is the one for that pair.
    Cu.checkDnn(cudnnSetConvolutionMathType(conv, algos.getFirst().mathType()), "cudnnSetConvolutionMathType");
    return new Plan(x, f, conv, y, algos);
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
