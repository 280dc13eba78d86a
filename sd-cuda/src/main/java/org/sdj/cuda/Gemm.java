package org.sdj.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLASLT_EPILOGUE_BIAS;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_EPILOGUE_DEFAULT;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_BIAS_POINTER;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_EPILOGUE;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_DESC_TRANSA;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_COMPUTE_32F;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasLtCreate;
import static org.bytedeco.cuda.global.cublas.cublasLtDestroy;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmul;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulAlgoGetHeuristic;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulDescCreate;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulDescDestroy;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulDescSetAttribute;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulPreferenceCreate;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulPreferenceDestroy;
import static org.bytedeco.cuda.global.cublas.cublasLtMatmulPreferenceSetAttribute;
import static org.bytedeco.cuda.global.cublas.cublasLtMatrixLayoutCreate;
import static org.bytedeco.cuda.global.cublas.cublasLtMatrixLayoutDestroy;
import static org.bytedeco.cuda.global.cudart.CUDA_R_16BF;
import static org.bytedeco.cuda.global.cudart.CUDA_R_16F;
import static org.bytedeco.cuda.global.cudart.CUDA_R_32F;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.cuda.cublas.cublasLtContext;
import org.bytedeco.cuda.cublas.cublasLtMatmulDescOpaque_t;
import org.bytedeco.cuda.cublas.cublasLtMatmulHeuristicResult_t;
import org.bytedeco.cuda.cublas.cublasLtMatmulPreferenceOpaque_t;
import org.bytedeco.cuda.cublas.cublasLtMatrixLayoutOpaque_t;
import java.util.function.Supplier;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.sdj.backend.DType;

/**
 * {@code y = x @ w^T + bias + residual} on cuBLASLt: 16-bit operands, float accumulation, the bias in the matmul's
 * epilogue and the residual as its C matrix (beta = 1), so a linear layer is one kernel; also {@code y = x @ w} with
 * {@code w} not transposed ({@link #multiply}: a 1x1 convolution of one NCHW image). Plans (descriptors and the
 * heuristic's algorithm) are cached per shape and per alignment of the operands (the heuristic may otherwise pick a
 * kernel that assumes 256-byte aligned matrices, where an image of a batch can start at any even address). Row-major
 * {@code y [rows, out]} is column-major {@code [out, rows]}: the product is computed as {@code (w^T)^T x^T}, with
 * {@code w} transposed in place (TRANSA) for a linear layer. {@link #product} takes row strides and a scale, and may
 * leave the result in float32 (the scores of {@link ProductAttention}).
 */
final class Gemm implements Matmul, AutoCloseable {
  private static final long WORKSPACE = 32L << 20;

  private final cublasLtContext handle = new cublasLtContext();
  private final Supplier<CUstream_st> streams;
  private final int dataType;
  private final long workspace;
  private final BlockCache memory;
  private final Map<Key, Plan> plans = new HashMap<>();
  private final FloatPointer one = new FloatPointer(1f);
  private final FloatPointer zero = new FloatPointer(0f);
  private final FloatPointer alpha = new FloatPointer(1f);

  /** A plan's shape: {@code ldx, ldw, ldy} the operands' row strides, {@code floatOut} a float32 result. */
  private record Key(long rows, long in, long out, boolean bias, boolean transposedWeight, int alignment, long ldx,
      long ldw, long ldy, boolean floatOut) {}

  private record Plan(cublasLtMatmulDescOpaque_t desc, cublasLtMatrixLayoutOpaque_t a, cublasLtMatrixLayoutOpaque_t b,
      cublasLtMatrixLayoutOpaque_t c, cublasLtMatmulHeuristicResult_t algo) {}

  /** Products enqueued on the stream {@code streams} gives the calling thread; the workspace from {@code memory}. */
  Gemm(Supplier<CUstream_st> streams, DType type, BlockCache memory) {
    this.streams = streams;
    this.dataType = type == DType.BF16 ? CUDA_R_16BF : CUDA_R_16F;
    this.memory = memory;
    Cu.checkBlas(cublasLtCreate(handle), "cublasLtCreate");
    this.workspace = memory.acquire(WORKSPACE);
  }

  @Override
  public synchronized void linear(long x, long w, long bias, long residual, long y, long rows, long in, long out) {
    run(x, w, bias, residual, y, rows, in, out, true);
  }

  @Override
  public synchronized void multiply(long x, long w, long residual, long y, long rows, long in, long out) {
    run(x, w, 0, residual, y, rows, in, out, false);
  }

  /** The largest power of two up to 16 that divides every address (bias vectors are the plan's own concern). */
  static int alignment(long... addresses) {
    int a = 16;
    for (long address : addresses) {
      while (a > 1 && address % a != 0) {
        a >>= 1;
      }
    }
    return a;
  }

  /**
   * {@inheritDoc} The scale is read when the product is enqueued (cuBLASLt's host pointer mode), so one buffer serves
   * every call.
   */
  @Override
  public synchronized void product(Strided x, Strided w, Strided y, Shape s) {
    int align = alignment(x.address(), w.address(), y.address(), x.ld() * 2, w.ld() * 2, y.ld() * 2);
    Plan p = plans.computeIfAbsent(new Key(s.rows(), s.in(), s.out(), false, s.transposedWeight(), align, x.ld(),
        w.ld(), y.ld(), s.floatOut()), this::plan);
    alpha.put(s.alpha());
    Cu.checkBlas(cublasLtMatmul(handle, p.desc, alpha, new DevicePointer(w.address()), p.a,
        new DevicePointer(x.address()), p.b, zero, new DevicePointer(y.address()), p.c,
        new DevicePointer(y.address()), p.c, p.algo.algo(), new DevicePointer(workspace), WORKSPACE, streams.get()),
        "cublasLtMatmul " + s + " with row strides " + x.ld() + ", " + w.ld() + ", " + y.ld());
  }

  private void run(long x, long w, long bias, long residual, long y, long rows, long in, long out,
      boolean transposedWeight) {
    int align = alignment(x, w, residual, y);
    Plan p = plans.computeIfAbsent(new Key(rows, in, out, bias != 0, transposedWeight, align, in,
        transposedWeight ? in : out, out, false), this::plan);
    if (bias != 0) {
      try (LongPointer ptr = new LongPointer(1).put(bias)) {
        Cu.checkBlas(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, ptr, 8),
            "cublasLtMatmulDescSetAttribute(BIAS_POINTER)");
      }
    }
    long c = residual != 0 ? residual : y;
    Cu.checkBlas(cublasLtMatmul(handle, p.desc, one, new DevicePointer(w), p.a, new DevicePointer(x), p.b,
        residual != 0 ? one : zero, new DevicePointer(c), p.c, new DevicePointer(y), p.c, p.algo.algo(),
        new DevicePointer(workspace), WORKSPACE, streams.get()), "cublasLtMatmul [" + rows + "x" + in + "] x "
        + (transposedWeight ? "[" + out + "x" + in + "]^T" : "[" + in + "x" + out + "]"));
  }

  private Plan plan(Key k) {
    PointerPointer<cublasLtMatmulDescOpaque_t> d = new PointerPointer<>(1);
    Cu.checkBlas(cublasLtMatmulDescCreate(d, CUBLAS_COMPUTE_32F, CUDA_R_32F), "cublasLtMatmulDescCreate");
    cublasLtMatmulDescOpaque_t desc = d.get(cublasLtMatmulDescOpaque_t.class, 0);
    try (IntPointer transA = new IntPointer(1).put(k.transposedWeight() ? CUBLAS_OP_T : CUBLAS_OP_N);
        IntPointer epilogue = new IntPointer(1).put(k.bias() ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT)) {
      Cu.checkBlas(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, transA, 4), "TRANSA");
      Cu.checkBlas(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_EPILOGUE, epilogue, 4), "EPILOGUE");
    }
    // Row-major [r, c] with row stride ld is column-major [c, r] with leading dimension ld.
    cublasLtMatrixLayoutOpaque_t a = k.transposedWeight() ? layout(k.in(), k.out(), k.ldw(), dataType)
        : layout(k.out(), k.in(), k.ldw(), dataType);
    cublasLtMatrixLayoutOpaque_t b = layout(k.in(), k.rows(), k.ldx(), dataType);
    cublasLtMatrixLayoutOpaque_t c = layout(k.out(), k.rows(), k.ldy(), k.floatOut() ? CUDA_R_32F : dataType);
    PointerPointer<cublasLtMatmulPreferenceOpaque_t> pp = new PointerPointer<>(1);
    Cu.checkBlas(cublasLtMatmulPreferenceCreate(pp), "cublasLtMatmulPreferenceCreate");
    cublasLtMatmulPreferenceOpaque_t pref = pp.get(cublasLtMatmulPreferenceOpaque_t.class, 0);
    cublasLtMatmulHeuristicResult_t result = new cublasLtMatmulHeuristicResult_t(1);
    try (SizeTPointer ws = new SizeTPointer(1).put(WORKSPACE); IntPointer found = new IntPointer(1)) {
      Cu.checkBlas(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, ws, 8),
          "MAX_WORKSPACE_BYTES");
      try (IntPointer align = new IntPointer(1).put(k.alignment())) {
        for (int attribute : new int[] {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
            CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
            CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES}) {
          Cu.checkBlas(cublasLtMatmulPreferenceSetAttribute(pref, attribute, align, 4), "MIN_ALIGNMENT");
        }
      }
      Cu.checkBlas(cublasLtMatmulAlgoGetHeuristic(handle, desc, a, b, c, c, pref, 1, result, found),
          "cublasLtMatmulAlgoGetHeuristic");
      if (found.get() == 0) {
        throw new CudaException("cuBLASLt has no algorithm for [" + k.rows() + "x" + k.in() + "] x [" + k.out()
            + "x" + k.in() + "]^T");
      }
    } finally {
      cublasLtMatmulPreferenceDestroy(pref);
    }
    return new Plan(desc, a, b, c, result);
  }

  private static cublasLtMatrixLayoutOpaque_t layout(long rows, long cols, long ld, int type) {
    PointerPointer<cublasLtMatrixLayoutOpaque_t> p = new PointerPointer<>(1);
    Cu.checkBlas(cublasLtMatrixLayoutCreate(p, type, rows, cols, ld), "cublasLtMatrixLayoutCreate");
    return p.get(cublasLtMatrixLayoutOpaque_t.class, 0);
  }

  @Override
  public synchronized void close() {
    for (Plan p : plans.values()) {
      cublasLtMatmulDescDestroy(p.desc);
      cublasLtMatrixLayoutDestroy(p.a);
      cublasLtMatrixLayoutDestroy(p.b);
      cublasLtMatrixLayoutDestroy(p.c);
    }
    plans.clear();
    memory.release(workspace);
    cublasLtDestroy(handle);
  }
}
