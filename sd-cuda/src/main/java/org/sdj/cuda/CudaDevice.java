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

import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.Pointer;
import org.sdj.backend.BackendProvider.Availability;

/**
 * A GPU through the driver API: its primary context, one non-blocking stream that all work goes onto, sdj's kernel
 * images, cuBLASLt and cuDNN. While a thread records a CUDA graph ({@link #captureOn}), its work goes to the capture
 * stream instead.
 */
final class CudaDevice implements Device {
  private final String description;
  private final CUctx_st context = new CUctx_st();
  private final int device;
  private final CUstream_st stream = new CUstream_st();
  private final ThreadLocal<CUstream_st> capturing = new ThreadLocal<>();
  private final AllocationMeter allocations;
  private final DriverMemory weightMemory;
  private final BlockCache activations;
  private final KernelModule module;
  private final Launcher.Dispatch kernels;
  private final Gemm gemm;
  private final Convolution convolution;

  /** @throws org.sdj.SdjException if CUDA cannot run here, saying why */
  CudaDevice(CudaOptions options, AllocationMeter allocations) {
    Availability a = CudaProbe.probe(options.device());
    if (!a.usable()) {
      throw new CudaException("the CUDA backend cannot run here: " + a.reason());
    }
    this.description = a.reason();
    this.allocations = allocations;
    this.weightMemory = new DriverMemory(context, allocations, true);
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
      // The jar's kernels, and a tuning run's where a diagnostic property names them (TunedKernels).
      Map<String, byte[]> images = KernelModule.jarImages();
      images.putAll(TunedKernels.images(System.getProperties()));
      m = new KernelModule(images);
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
    this.kernels = new Launcher.ModuleDispatch(module, this::stream, CudaProbe.multiprocessors(device));
  }

  /**
   * A caching allocator on this device's context that frees idle blocks only outside graph captures (for the
   * activations).
   */
  private BlockCache newCache() {
    return new BlockCache(new DriverMemory(context, allocations, false), () -> capturing.get() == null,
        allocations.inUse());
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public void enter() {
    Cu.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }

  @Override
  public DeviceMemory weightMemory() {
    return weightMemory;
  }

  @Override
  public BlockCache activations() {
    return activations;
  }

  @Override
  public boolean capturing() {
    return capturing.get() != null;
  }

  @Override
  public Launcher.Dispatch kernels() {
    return kernels;
  }

  @Override
  public Matmul gemm() {
    return gemm;
  }

  @Override
  public Convolutions convolution() {
    return convolution;
  }

  @Override
  public void upload(long address, Pointer host, long bytes) {
    Cu.check(cuMemcpyHtoDAsync(address, host, bytes, stream()), "cuMemcpyHtoDAsync");
  }

  @Override
  public void copy(long src, long dst, long bytes) {
    Cu.check(cuMemcpyDtoDAsync(dst, src, bytes, stream()), "cuMemcpyDtoDAsync");
  }

  @Override
  public void download(long address, Pointer host, long bytes) {
    Cu.check(cuMemcpyDtoHAsync(host, address, bytes, stream), "cuMemcpyDtoHAsync");
    sync();
  }

  @Override
  public void sync() {
    Cu.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
  }

  /**
   * The stream the calling thread's work goes to: the device's one, or while this thread captures a replay
   * ({@link #captureOn}), the replay's capture stream, so that work other threads enqueue meanwhile is not captured.
   */
  CUstream_st stream() {
    CUstream_st s = capturing.get();
    return s != null ? s : stream;
  }

  /** Sends the calling thread's work to {@code s} (a stream being captured), or back to the device's with null. */
  void captureOn(CUstream_st s) {
    if (s == null) {
      capturing.remove();
    } else {
      capturing.set(s);
    }
  }

  /** The device's stream, whatever the calling thread captures: where graphs are launched. */
  CUstream_st mainStream() {
    return stream;
  }

  /**
   * Frees cuDNN's and cuBLASLt's handles, every cached and live activation, the kernels and the stream, then releases
   * the context in any case, so that the next backend in this process starts clean.
   */
  @Override
  public void close() {
    try {
      Steps.runAll(List.of(convolution::close, gemm::close, activations::close, module::close,
          () -> cuStreamDestroy(stream)));
    } finally {
      cuDevicePrimaryCtxRelease(device);
    }
  }
}
