package org.sdj.cuda;

import org.junit.jupiter.api.Assumptions;

/**
 * {@link FlashAttentionRuleCases} on flash_attention_wgmma.cu's Hopper kernel; skipped where the GPU is not compute
 * capability 9.0, whose sm_90a code it is built as (the other head sizes run on the mma.sync kernel).
 */
class FlashAttentionWgmmaRuleTest extends FlashAttentionRuleCases {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withAttention(CudaOptions.Attention.WGMMA);
  }

  @Override
  void assumeKernel(CudaBackend backend) {
    Assumptions.assumeTrue(backend.attention().kernel() == CudaOptions.Attention.WGMMA,
        () -> "the wgmma attention kernel needs compute capability 9.0 (sm_90a): " + backend.description());
  }
}
