package org.sdj.cuda;

import java.util.function.Supplier;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.sdj.backend.DType;

/**
 * Launches sdj's kernels for one storage type on the stream the calling thread works on: kernels are found by their
 * {@code extern "C"} names, the storage type's suffix ({@code _f16}, {@code _bf16}) added.
 */
final class Launcher {
  /** Threads per block of the grid-stride and norm kernels. */
  static final int THREADS = 256;
  private static final int MAX_BLOCKS = 1 << 16;

  /**
   * Where launches go: the loaded kernel images on a CUDA stream, or, in sd-cuda's tests, a CPU emulation of the
   * kernels that need no GPU.
   */
  interface Dispatch {
    /** Whether kernel {@code name} (full name) can be launched. */
    boolean has(String name);

    /**
     * Kernel {@code name} on {@code grid} x {@code block} in clusters of {@code cluster} blocks along x (1: none; the
     * cluster kernels declare theirs, which a GPU launch follows: grid[0] must be a multiple of it), with
     * {@code sharedBytes} of dynamic shared memory; arguments as {@link KernelModule#launch} takes them.
     */
    void launch(String name, int[] grid, int[] block, int cluster, int sharedBytes, Object[] args);

    /** {@link #launch(String, int[], int[], int, int, Object[])} without clusters. */
    default void launch(String name, int[] grid, int[] block, int sharedBytes, Object[] args) {
      launch(name, grid, block, 1, sharedBytes, args);
    }

    /**
     * A tensor map of 16-bit elements for the bulk tensor copies of a kernel (see {@link TensorMap#tiled}; swizzle
     * width in bytes, 0 for none): the driver's encoding on a GPU, the emulator's own in the tests.
     *
     * @throws CudaException where the shape cannot be mapped
     */
    TensorMap tensorMap(long address, long[] dims, long[] strides, int[] box, int swizzle);

    /** The GPU's streaming multiprocessors (SMs), which persistent kernels size their grids by. */
    int multiprocessors();
  }

  /**
   * The loaded kernel images, launched on the stream {@code streams} gives the calling thread, on a GPU of that
   * many SMs.
   */
  record ModuleDispatch(KernelModule module, Supplier<CUstream_st> streams, int multiprocessors) implements Dispatch {
    @Override
    public boolean has(String name) {
      return module.has(name);
    }

    @Override
    public void launch(String name, int[] grid, int[] block, int cluster, int sharedBytes, Object[] args) {
      if (grid[0] % cluster != 0) {
        throw new IllegalArgumentException(name + ": a grid " + grid[0] + " blocks wide in clusters of " + cluster);
      }
      module.launch(streams.get(), name, grid, block, sharedBytes, args);
    }

    @Override
    public TensorMap tensorMap(long address, long[] dims, long[] strides, int[] box, int swizzle) {
      return TensorMap.tiled(address, dims, strides, box, swizzle);
    }
  }

  private final Dispatch dispatch;
  private final String suffix;

  /** Launches of {@code type}'s kernels through {@code dispatch}. */
  Launcher(Dispatch dispatch, DType type) {
    this.dispatch = dispatch;
    this.suffix = type == DType.BF16 ? "_bf16" : "_f16";
  }

  /** Where its launches go. */
  Dispatch dispatch() {
    return dispatch;
  }

  /** The storage type's suffix of kernel names. */
  String suffix() {
    return suffix;
  }

  /** Whether kernel {@code name} (full name) is loaded. */
  boolean has(String name) {
    return dispatch.has(name);
  }

  /** Kernel {@code name} (full name) on {@code grid} x {@code block} with {@code sharedBytes} of dynamic memory. */
  void raw(String name, int[] grid, int[] block, int sharedBytes, Object... args) {
    dispatch.launch(name, grid, block, 1, sharedBytes, args);
  }

  /** {@link #raw} of a kernel that runs in clusters of {@code cluster} blocks along x (grid[0] a multiple of it). */
  void clustered(String name, int[] grid, int[] block, int cluster, int sharedBytes, Object... args) {
    dispatch.launch(name, grid, block, cluster, sharedBytes, args);
  }

  /** {@link Dispatch#multiprocessors}. */
  int multiprocessors() {
    return dispatch.multiprocessors();
  }

  /** {@link Dispatch#tensorMap}. */
  TensorMap tensorMap(long address, long[] dims, long[] strides, int[] box, int swizzle) {
    return dispatch.tensorMap(address, dims, strides, box, swizzle);
  }

  /** Grid-stride kernel {@code name} of this storage type over {@code n} items. */
  void elementwise(String name, long n, Object... args) {
    elementwiseNamed(name + suffix, n, args);
  }

  /** Grid-stride kernel by its full name (the float32 ones carry no storage-type suffix). */
  void elementwiseNamed(String kernel, long n, Object... args) {
    int blocks = (int) Math.min(MAX_BLOCKS, Math.ceilDiv(n, THREADS));
    raw(kernel, new int[] {blocks, 1, 1}, new int[] {THREADS, 1, 1}, 0, args);
  }
}
