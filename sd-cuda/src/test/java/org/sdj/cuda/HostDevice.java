package org.sdj.cuda;

import org.bytedeco.javacpp.Pointer;

/**
 * A {@link Device} that is the host: memory from C's allocator (addresses are host addresses, as the emulated kernels
 * expect), sdj's kernels on the CPU emulator ({@link EmulatedKernels}), GEMMs and convolutions computed in Java
 * ({@link HostMatmul}, {@link HostConvolution}), no CUDA graphs. Every call completes before it returns, so the
 * "stream" is always idle. With it, {@link CudaBackend} and {@link CudaOps} run end to end without a GPU.
 */
final class HostDevice implements Device {
  private final HostMemory weightMemory;
  private final HostMemory cacheMemory;
  private final BlockCache activations;
  private final Launcher.Dispatch kernels;
  private final Matmul gemm;
  private final Convolutions convolution;

  /** Aborts the calling test (or class, from a {@code @BeforeAll}) when the emulator could not be built. */
  HostDevice(CudaOptions options, AllocationMeter allocations) {
    this.kernels = EmulatedKernels.dispatch();
    this.weightMemory = new HostMemory(allocations, true);
    this.cacheMemory = new HostMemory(allocations, false);
    this.activations = new BlockCache(cacheMemory, () -> true, allocations.inUse());
    this.gemm = new HostMatmul(options.computeType());
    this.convolution = new HostConvolution(options.computeType());
  }

  /** A CUDA backend of {@code options} on the host. */
  static CudaBackend backend(CudaOptions options) {
    return new CudaBackend(options, HostDevice::new);
  }

  @Override
  public String description() {
    return "the host (sdj's kernels on the CPU emulator)";
  }

  @Override
  public void enter() {}

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
    return false;
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
    HostArrays.copy(start(host), address, bytes);
  }

  @Override
  public void copy(long src, long dst, long bytes) {
    HostArrays.copy(src, dst, bytes);
  }

  @Override
  public void download(long address, Pointer host, long bytes) {
    HostArrays.copy(address, start(host), bytes);
  }

  @Override
  public void sync() {}

  /**
   * Frees the activation cache, then checks that nothing is left: the backend has freed its weights by now, and a
   * block still allocated is one the backend lost track of.
   */
  @Override
  public void close() {
    activations.close();
    int leaked = weightMemory.live() + cacheMemory.live();
    if (leaked != 0) {
      throw new IllegalStateException(leaked + " blocks of host 'device' memory were never freed");
    }
  }

  /** Where {@code p}'s data starts: JavaCPP pointers count their position in elements. */
  private static long start(Pointer p) {
    return p.address() + p.position() * p.sizeof();
  }
}
