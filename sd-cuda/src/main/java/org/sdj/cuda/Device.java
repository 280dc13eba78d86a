package org.sdj.cuda;

import org.bytedeco.javacpp.Pointer;

/**
 * What {@link CudaBackend} needs from the machine its work runs on: a context to make current, memory, copies, kernel
 * launches, GEMMs and convolutions, all in stream order. {@link CudaDevice} is a GPU through the driver API, cuBLASLt
 * and cuDNN; sd-cuda's tests also have a device whose memory is host memory and whose kernels run on the CPU
 * emulator, so that the backend's own logic (shapes, layouts, addresses, caches) is tested without a GPU. Addresses
 * are plain {@code long}s either way.
 */
interface Device extends AutoCloseable {
  /** Opens a device for a backend of {@code options} whose allocations count on {@code allocations}. */
  @FunctionalInterface
  interface Opener {
    /** @throws CudaException if the device cannot run here, saying why */
    Device open(CudaOptions options, AllocationMeter allocations);
  }

  /** What the work runs on, for {@link CudaBackend#description()}. */
  String description();

  /** Makes the device current on the calling thread; every op calls it first. */
  void enter();

  /** Memory used directly, without a cache (weights): counted in use on the backend's meter as it is allocated. */
  DeviceMemory weightMemory();

  /** The caching allocator of activations and workspaces; the device owns it and closes it. */
  BlockCache activations();

  /** Whether the calling thread records a CUDA graph: then nothing may wait for the device or read from it. */
  boolean capturing();

  /** Where sdj's kernels are launched. */
  Launcher.Dispatch kernels();

  /** The matrix products of linear layers and 1x1 convolutions. */
  Matmul gemm();

  /** The 2-D convolutions. */
  Convolutions convolution();

  /** Enqueues a copy of {@code bytes} from host memory {@code host}, which may be freed when this returns. */
  void upload(long address, Pointer host, long bytes);

  /** Enqueues a device-to-device copy of {@code bytes}. */
  void copy(long src, long dst, long bytes);

  /** Fills {@code host} with {@code bytes} from {@code address} once everything enqueued so far has run. */
  void download(long address, Pointer host, long bytes);

  /** Waits until everything enqueued so far has run. */
  void sync();

  /**
   * Frees what the device made (libraries, the activation cache, kernels, stream) and releases it, trying every step
   * even when an earlier one fails; the first failure is rethrown at the end. The backend has freed its weights.
   */
  @Override
  void close();
}
