package org.sdj.cuda;

import org.junit.jupiter.api.Assumptions;

/**
 * {@link FlashAttentionRuleCases} on one of flash_attention_wgmma.cu's Hopper kernels ({@link #kernel}); skipped where
 * the GPU is not compute capability 9.0, whose sm_90a code they are built as (the other head sizes run on the
 * mma.sync kernel).
 */
abstract class WgmmaRuleCases extends FlashAttentionRuleCases {
  abstract CudaOptions.Attention kernel();

  @Override
  final CudaOptions options() {
    return CudaOptions.defaults().withAttention(kernel());
  }

  @Override
  final void assumeKernel(CudaBackend backend) {
    Assumptions.assumeTrue(backend.attention().kernel() == kernel(),
        () -> "the wgmma attention kernels need compute capability 9.0 (sm_90a): " + backend.description());
  }
}
