package org.sdj.cuda;

/**
 * {@link DeviceMemory} lent by another cache: a replay's cache takes its blocks from the backend's activation cache
 * (its idle blocks of the same size first) and gives them back there when it closes, instead of allocating and
 * freeing (which waits for the device) once per generation, and instead of keeping a second set of idle blocks
 * reserved beside the first. The lender counts a lent block as in use for as long as the borrower holds it, idle or
 * not: a recorded graph owns it.
 */
final class BorrowedMemory implements DeviceMemory {
  private final BlockCache lender;

  BorrowedMemory(BlockCache lender) {
    this.lender = lender;
  }

  /** A block from the lender, or 0 where even the lender has no room (the borrower then frees its own idle ones). */
  @Override
  public long allocate(long bytes) {
    try {
      return lender.acquire(bytes);
    } catch (CudaException outOfMemory) {
      return 0;
    }
  }

  @Override
  public void free(long address) {
    lender.release(address);
  }
}
