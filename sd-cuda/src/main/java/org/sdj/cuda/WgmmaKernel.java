package org.sdj.cuda;

/**
 * One kernel of wgmma_kernel.cuh's template as a launch needs to know it: a row of flash_attention_wgmma.cu's table
 * ({@link #of}), or of a tuning image's (src/test/tune, where AttentionTune names them).
 *
 * @param name the kernel's {@code extern "C"} name
 * @param dp the padded head size it runs
 * @param shape keys per tile, stages of K and V tiles, consumer warpgroups
 * @param swizzle the swizzle width in bytes of its K and V tiles' column blocks, 0 for chunked tiles
 * @param ones whether it makes the rows' sums from a column of ones in V's last chunk, which its producer never copies
 *     (head sizes up to {@code dp - 8})
 */
record WgmmaKernel(String name, int dp, AttentionKernels.WgmmaShape shape, int swizzle, boolean ones) {
  /** flash_attention_wgmma.cu's kernel of {@code image} at {@code dp} for the storage type of {@code suffix}. */
  static WgmmaKernel of(String suffix, int dp, WgmmaImage image) {
    return new WgmmaKernel(AttentionKernels.wgmmaKernel(suffix, dp, image), dp,
        AttentionKernels.wgmmaShape(dp, image), image.swizzled() ? AttentionKernels.wgmmaSwizzleBytes(dp) : 0,
        image == WgmmaImage.ONES || image == WgmmaImage.F16EXP);
  }

  /** Whether it runs head size {@code d}, padded to {@code dp}. */
  boolean runs(int dp, int d) {
    return this.dp == dp && (!ones || d <= dp - 8);
  }

  /**
   * Its dynamic shared memory ({@code ws_smem_bytes} in wgmma_kernel.cuh): the query tile and the stages of K and V
   * tiles, {@code dp} 16-bit columns each, then the mbarriers (8 bytes each: the query tile's and four per stage), and
   * with swizzled tiles 1024 bytes to move their stages onto a multiple of 1024; all of it dynamic (it traps on less).
   */
  int sharedBytes() {
    return (shape.rows() + 2 * shape.stages() * shape.keys()) * dp * 2 + (1 + 4 * shape.stages()) * 8
        + (swizzle > 0 ? 1024 : 0);
  }
}
