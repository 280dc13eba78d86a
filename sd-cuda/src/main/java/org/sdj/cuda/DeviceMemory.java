package org.sdj.cuda;

/** Raw device allocations, so that the {@link BlockCache} can be tested without a GPU. */
interface DeviceMemory {
  /**
   * A new block of {@code bytes}, or 0 when the device is out of memory.
   *
   * @throws CudaException for any other failure
   */
  long allocate(long bytes);

  void free(long address);
}
