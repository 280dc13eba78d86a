package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.CU_STREAM_NON_BLOCKING;
import static org.bytedeco.cuda.global.cudart.cuCtxSetCurrent;
import static org.bytedeco.cuda.global.cudart.cuDeviceGet;
import static org.bytedeco.cuda.global.cudart.cuDevicePrimaryCtxRelease;
import static org.bytedeco.cuda.global.cudart.cuDevicePrimaryCtxRetain;
import static org.bytedeco.cuda.global.cudart.cuInit;
import static org.bytedeco.cuda.global.cudart.cuMemcpyDtoDAsync;
import static org.bytedeco.cuda.global.cudart.cuMemcpyDtoHAsync;
import static org.bytedeco.cuda.global.cudart.cuMemcpyHtoDAsync;
import static org.bytedeco.cuda.global.cudart.cuStreamCreate;
import static org.bytedeco.cuda.global.cudart.cuStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cuStreamSynchronize;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;
import org.sdj.backend.Backend;
import org.sdj.backend.BackendProvider.Availability;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Replay;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;

/**
 * The GPU backend: weights uploaded once in the compute type (float16, or bf16), activations in the same type from a
 * caching allocator, GEMMs on cuBLASLt with fused bias and residual, convolutions on cuDNN, attention and the
 * pointwise and normalization ops on sdj's own kernels. All work of all scopes goes onto one CUDA stream, so ops never
 * wait for the device; only {@link Ops#toHost} does.
 *
 * <p>A denoising step's UNet runs as a CUDA graph ({@link #replay}, unless {@link CudaOptions#graphs()} is off); the
 * loop's latents stay on the device in float32. Run ops on platform threads: the CUDA context is current per OS
 * thread, and a virtual thread that waits on a lock may resume on another carrier thread without it. Not yet: pinned
 * staging buffers for {@code fromHost} (a pageable host-to-device copy may wait for the stream; the denoising loop
 * makes one, at its first step, and only for a stochastic scheduler's noise).
 */
public final class CudaBackend implements Backend {
  private final CudaOptions options;
  private final String description;
  private final CUctx_st context = new CUctx_st();
  private final int device;
  private final CUstream_st stream = new CUstream_st();
  private final ThreadLocal<CUstream_st> capturing = new ThreadLocal<>();
  private final KernelModule module;
  private final BlockCache activations;
  private final AllocationMeter allocations = new AllocationMeter();
  private final DriverMemory weightMemory = new DriverMemory(context, allocations, true);
  private final Kernels kernels;
  private final NormKernels norms;
  private final AttentionKernels attention;
  private final Gemm gemm;
  private final Convolution convolution;
  private final Set<DeviceTensor> weights = ConcurrentHashMap.newKeySet();
  /** Weight address to its {@code [o, kh, kw, c]} copy ({@link #filterKrsc}). */
  private final Map<Long, Long> filtersKrsc = new ConcurrentHashMap<>();
  private final Set<CudaReplay> replays = ConcurrentHashMap.newKeySet();
  /** The bfloat16 sibling ({@link #upcast()}), once made. */
  private CudaBackend upcast;
  private volatile boolean closed;
  /** Set once the context is released: memory is gone with it, so late frees of weight views do nothing. */
  private volatile boolean released;

  /** @throws org.sdj.SdjException if CUDA cannot run here, saying why */
  public CudaBackend(CudaOptions options) {
    Availability a = CudaProbe.probe(options.device());
    if (!a.usable()) {
      throw new CudaException("the CUDA backend cannot run here: " + a.reason());
    }
    this.options = options;
    Cu.check(cuInit(0), "cuInit");
    int[] dev = new int[1];
    Cu.check(cuDeviceGet(dev, options.device()), "cuDeviceGet");
    this.device = dev[0];
    Cu.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
    this.activations = newCache();
    KernelModule m = null;
    Gemm g = null;
    boolean streamMade = false;
    try {
      Cu.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
      Cu.check(cuStreamCreate(stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
      streamMade = true;
      m = new KernelModule();
      g = new Gemm(this::stream, options.computeType(), activations);
      this.convolution = new Convolution(this::stream, options.computeType(), options.convWorkspace());
    } catch (RuntimeException | LinkageError e) {
      // A library that loaded but cannot start becomes a CudaException, which lets auto pass this backend over.
      // Whatever was made before the failure goes back, the context last.
      if (g != null) {
        g.close();
      }
      if (m != null) {
        m.close();
      }
      activations.close();
      if (streamMade) {
        cuStreamDestroy(stream);
      }
      cuDevicePrimaryCtxRelease(device);
      throw e instanceof CudaException c ? c : new CudaException("the CUDA backend could not start: " + e, e);
    }
    this.module = m;
    this.gemm = g;
    Launcher launcher = new Launcher(module, this::stream, options.computeType());
    this.kernels = new Kernels(launcher);
    this.norms = new NormKernels(launcher);
    this.attention = new AttentionKernels(launcher, options.wgmmaAttention());
    this.description = "cuda: " + a.reason() + ", " + options.computeType()
        + (options.graphs() ? "" : ", CUDA graphs off") + (attention.wgmmaAttention() ? ", wgmma attention" : "");
  }

  /**
   * A caching allocator on this backend's context that frees idle blocks only outside graph captures (for the
   * activations).
   */
  private BlockCache newCache() {
    return new BlockCache(new DriverMemory(context, allocations, false), () -> capturing.get() == null,
        allocations.inUse());
  }

  /**
   * A replay's own cache, whose blocks come from and go back to the activation cache ({@link BorrowedMemory}); the
   * activation cache counts them in use, so this one counts nothing.
   */
  BlockCache newReplayCache() {
    return new BlockCache(new BorrowedMemory(activations), () -> capturing.get() == null, new AllocationMeter.Gauge());
  }

  /** What this backend has allocated on the device, weights and caches together. */
  AllocationMeter allocations() {
    return allocations;
  }

  @Override
  public String name() {
    return "cuda";
  }

  @Override
  public String description() {
    return description;
  }

  /** How this backend runs. */
  public CudaOptions options() {
    return options;
  }

  /** The storage type of weights and activations (the loop's latents are float32). */
  public DType computeType() {
    return options.computeType();
  }

  @Override
  public DType activationType() {
    return computeType();
  }

  /**
   * In float16, a bfloat16 backend on the same device (float32's range), made on the first call and closed with this
   * one: the pipeline decodes there when SD's VAE overflows float16. Empty in bfloat16.
   */
  @Override
  public synchronized Optional<Backend> upcast() {
    checkOpen();
    if (computeType() != DType.F16) {
      return Optional.empty();
    }
    if (upcast == null) {
      upcast = new CudaBackend(options.withComputeType(DType.BF16));
    }
    return Optional.of(upcast);
  }

  /** {@link CudaOptions#fusedProjections()}: the attention kernels read packed projections in place. */
  @Override
  public boolean fusedProjections() {
    return options.fusedProjections();
  }

  /** Uploads {@code data} in the compute type; blocks until the copy is done (weights load once). */
  @Override
  public Tensor weight(WeightData data) {
    enter();
    notCapturing("uploading a weight");
    short[] bits = HalfFloats.weight(data, computeType());
    long[] shape = data.shape();
    // Channels-last convolutions read their filters as [O, kh, kw, C]: permuted once here instead of copied.
    boolean filterLast = options.channelsLast() && shape.length == 4 && shape[2] * shape[3] > 1;
    if (filterLast) {
      bits = HalfFloats.channelsLast(bits, shape);
    }
    long bytes = Math.max(2L, 2L * bits.length);
    long address = weightMemory.allocate(bytes);
    if (address == 0) {
      activations.trim();
      address = weightMemory.allocate(bytes);
    }
    if (address == 0) {
      throw new CudaException("out of GPU memory while uploading weight " + data.name() + " (" + bytes + " bytes)");
    }
    try {
      upload(address, bits);
      sync();
    } catch (RuntimeException e) {
      weightMemory.free(address);
      throw e;
    }
    DeviceTensor t = new DeviceTensor(this, new Storage(address, this::freeWeight), shape, computeType(), filterLast,
        weights::remove);
    weights.add(t);
    return t;
  }

  @Override
  public Ops ops() {
    checkOpen();
    return new CudaOps(this, activations);
  }

  /**
   * With {@link CudaOptions#graphs()}, a replay on a CUDA graph ({@link CudaReplay}); otherwise the body runs op by op
   * every time.
   */
  @Override
  public Replay replay(Replay.Body body) {
    checkOpen();
    if (!options.graphs()) {
      return Replay.direct(body);
    }
    CudaReplay replay = new CudaReplay(this, body);
    replays.add(replay);
    return replay;
  }

  /** A replay closed by its owner no longer needs closing with the backend. */
  void closed(CudaReplay replay) {
    replays.remove(replay);
  }

  // ---- for CudaOps ------------------------------------------------------------------------------------------------

  Kernels kernels() {
    return kernels;
  }

  NormKernels norms() {
    return norms;
  }

  AttentionKernels attention() {
    return attention;
  }

  Gemm gemm() {
    return gemm;
  }

  Convolution convolution() {
    return convolution;
  }

  BlockCache activations() {
    return activations;
  }

  private void freeWeight(long address) {
    Long krsc = filtersKrsc.remove(address);
    if (!released) {
      weightMemory.free(address);
      if (krsc != null) {
        weightMemory.free(krsc);
      }
    }
  }

  /**
   * The {@code [o, kh, kw, c]} copy of convolution weight {@code w [o, c, kh, kw]} ({@code taps = kh * kw}), made on
   * first use and freed with the weight; 0 where {@code w} is not one of this backend's weights (a view or an
   * activation, whose address may be reused). Not while recording a graph: the copy would be made again at every
   * replay, so a capture that needs one fails and its replay runs op by op.
   */
  long filterKrsc(Tensor w, int o, int c, int taps) {
    if (!(w instanceof DeviceTensor d) || !weights.contains(d)) {
      return 0;
    }
    if (d.channelsLast()) {
      return d.address();
    }
    return filtersKrsc.computeIfAbsent(d.address(), address -> {
      notCapturing("making a convolution filter's NHWC copy");
      long bytes = Math.max(2L, computeType().byteSize() * d.numel());
      long copy = weightMemory.allocate(bytes);
      if (copy == 0) {
        throw new CudaException("out of GPU memory for a convolution filter's NHWC copy (" + bytes + " bytes)");
      }
      kernels.transpose(address, copy, o, c, taps);
      return copy;
    });
  }

  /** Makes this backend's context current on the calling thread; every op calls it first. */
  void enter() {
    checkOpen();
    Cu.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }

  void upload(long address, short[] bits) {
    try (ShortPointer host = new ShortPointer(bits)) {
      upload(address, host, 2L * bits.length);
    }
  }

  void upload(long address, float[] values) {
    try (FloatPointer host = new FloatPointer(values)) {
      upload(address, host, 4L * values.length);
    }
  }

  /**
   * Enqueues a copy from host memory; a pageable {@code host} may be freed when this returns (the driver has staged
   * it by then).
   */
  void upload(long address, Pointer host, long bytes) {
    notCapturing("copying data from the host");
    if (bytes > 0) {
      Cu.check(cuMemcpyHtoDAsync(address, host, bytes, stream()), "cuMemcpyHtoDAsync");
    }
  }

  /** Enqueues a device-to-device copy of {@code bytes}. */
  void copy(long src, long dst, long bytes) {
    if (bytes > 0) {
      Cu.check(cuMemcpyDtoDAsync(dst, src, bytes, stream()), "cuMemcpyDtoDAsync");
    }
  }

  /**
   * The stream the calling thread's work goes to: the backend's one, or while this thread captures a replay
   * ({@link #captureOn}), the replay's capture stream, so that work other threads enqueue meanwhile is not captured.
   */
  CUstream_st stream() {
    CUstream_st s = capturing.get();
    return s != null ? s : stream;
  }

  /** Sends the calling thread's work to {@code s} (a stream being captured), or back to the backend's with null. */
  void captureOn(CUstream_st s) {
    if (s == null) {
      capturing.remove();
    } else {
      capturing.set(s);
    }
  }

  /** The backend's stream, whatever the calling thread captures: where graphs are launched. */
  CUstream_st mainStream() {
    return stream;
  }

  /** Copies {@code count} 16-bit elements back, after everything enqueued so far. */
  short[] download(long address, long count) {
    short[] out = new short[Math.toIntExact(count)];
    try (ShortPointer host = new ShortPointer(Math.max(1, count))) {
      download(address, host, 2 * count);
      host.get(out);
    }
    return out;
  }

  /** Copies {@code count} float32 elements back, after everything enqueued so far. */
  float[] downloadFloats(long address, long count) {
    float[] out = new float[Math.toIntExact(count)];
    try (FloatPointer host = new FloatPointer(Math.max(1, count))) {
      download(address, host, 4 * count);
      host.get(out);
    }
    return out;
  }

  /** Fills {@code host} with {@code bytes} from the device once everything enqueued so far has run. */
  private void download(long address, Pointer host, long bytes) {
    notCapturing("reading a tensor back to the host");
    if (bytes > 0) {
      Cu.check(cuMemcpyDtoHAsync(host, address, bytes, stream), "cuMemcpyDtoHAsync");
      sync();
    }
  }

  void sync() {
    notCapturing("waiting for the device");
    Cu.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
  }

  /** @throws CudaException while the calling thread records a replay, which must not depend on the device's data */
  private void notCapturing(String what) {
    if (capturing.get() != null) {
      throw new CudaException(what + " is not possible while recording a CUDA graph");
    }
  }

  boolean isClosed() {
    return closed;
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("backend cuda is closed");
    }
  }

  /**
   * Waits for the device, then frees every weight, every cached and live activation, and the context's handles. Each
   * step is tried even when an earlier one fails (a kernel fault leaves the context in an error state, and every call
   * then fails): the context is released in any case, so that the next backend in this process starts clean. The
   * first failure is rethrown at the end.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    List<Runnable> steps = new ArrayList<>();
    if (upcast != null) {
      steps.add(upcast::close);
    }
    for (CudaReplay r : List.copyOf(replays)) {
      steps.add(r::close);
    }
    steps.add(() -> Cu.check(cuCtxSetCurrent(context), "cuCtxSetCurrent"));
    steps.add(() -> Cu.check(cuStreamSynchronize(stream), "cuStreamSynchronize"));
    steps.add(() -> closed = true);
    for (DeviceTensor t : List.copyOf(weights)) {
      steps.add(t::close);
    }
    steps.add(convolution::close);
    steps.add(gemm::close);
    steps.add(activations::close);
    steps.add(module::close);
    steps.add(() -> cuStreamDestroy(stream));
    RuntimeException first = null;
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    closed = true;
    cuDevicePrimaryCtxRelease(device);
    released = true;
    if (first != null) {
      throw first;
    }
  }
}
