package org.sdj.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;
import org.sdj.backend.Backend;
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
  private final Device.Opener opener;
  private final Device device;
  private final BlockCache activations;
  private final AllocationMeter allocations = new AllocationMeter();
  private final DeviceMemory weightMemory;
  private final Kernels kernels;
  private final NormKernels norms;
  private final AttentionKernels attention;
  private final Launcher launcher;
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
    this(options, CudaDevice::new);
  }

  /** A backend on the device {@code opener} opens (its {@link #upcast()} too); CUDA's, or the tests' host device. */
  CudaBackend(CudaOptions options, Device.Opener opener) {
    this.options = options;
    this.opener = opener;
    this.device = opener.open(options, allocations);
    this.activations = device.activations();
    this.weightMemory = device.weightMemory();
    this.launcher = new Launcher(device.kernels(), options.computeType());
    this.kernels = new Kernels(launcher);
    this.norms = new NormKernels(launcher);
    this.attention = new AttentionKernels(launcher, options.attention());
    this.description = "cuda: " + device.description() + ", " + options.computeType()
        + (options.graphs() ? "" : ", CUDA graphs off") + attentionNote(options.attention(), attention.kernel())
        + attention.tunedNote();
  }

  /** The attention kernel where it is not the default, and why the default does not run where it was asked for. */
  static String attentionNote(CudaOptions.Attention asked, CudaOptions.Attention runs) {
    if (runs == CudaOptions.Attention.WGMMA) {
      return "";
    }
    return asked == runs ? ", mma attention"
        : ", mma attention (wgmma needs compute capability 9.0 and kernels built for sm_90a)";
  }

  /**
   * A replay's own cache, whose blocks come from and go back to the activation cache ({@link BorrowedMemory}); the
   * activation cache counts them in use, so this one counts nothing.
   */
  BlockCache newReplayCache() {
    return new BlockCache(new BorrowedMemory(activations), () -> !device.capturing(), new AllocationMeter.Gauge());
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
      upcast = new CudaBackend(options.withComputeType(DType.BF16), opener);
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
   * With {@link CudaOptions#graphs()} on a GPU, a replay on a CUDA graph ({@link CudaReplay}); otherwise the body runs
   * op by op every time.
   */
  @Override
  public Replay replay(Replay.Body body) {
    checkOpen();
    if (!options.graphs() || !(device instanceof CudaDevice cuda)) {
      return Replay.direct(body);
    }
    CudaReplay replay = new CudaReplay(this, cuda, body);
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

  /** Launches of this backend's kernels in its storage type (for benchmarks that compare kernels). */
  Launcher launcher() {
    return launcher;
  }

  Matmul gemm() {
    return device.gemm();
  }

  Convolutions convolution() {
    return device.convolution();
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
    device.enter();
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
      device.upload(address, host, bytes);
    }
  }

  /** Enqueues a device-to-device copy of {@code bytes}. */
  void copy(long src, long dst, long bytes) {
    if (bytes > 0) {
      device.copy(src, dst, bytes);
    }
  }

  /** The GPU this backend runs on, for its CUDA graphs and profiling. */
  CudaDevice cuda() {
    if (!(device instanceof CudaDevice cuda)) {
      throw new IllegalStateException("this backend runs on " + device.description() + ", not on a GPU");
    }
    return cuda;
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
      device.download(address, host, bytes);
    }
  }

  void sync() {
    notCapturing("waiting for the device");
    device.sync();
  }

  /** @throws CudaException while the calling thread records a replay, which must not depend on the device's data */
  private void notCapturing(String what) {
    if (device.capturing()) {
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
    steps.add(device::enter);
    steps.add(device::sync);
    steps.add(() -> closed = true);
    for (DeviceTensor t : List.copyOf(weights)) {
      steps.add(t::close);
    }
    steps.add(device::close);
    try {
      Steps.runAll(steps);
    } finally {
      closed = true;
      released = true;
    }
  }
}
