package org.sdj.cuda;

import org.junit.jupiter.api.Assumptions;

/**
 * {@link FlashAttentionRuleCases} on the Hopper kernel's warp-specialized form (flash_attention_wgmma.cu's
 * {@code specialized}: a producer warpgroup and two consumers handing the tiles over through mbarriers); skipped where
 * the GPU is not compute capability 9.0.
 */
class FlashAttentionSpecializedWgmmaRuleTest extends FlashAttentionRuleCases {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withAttention(CudaOptions.Attention.WGMMA_SPECIALIZED);
  }

  @Override
  void assumeKernel(CudaBackend backend) {
    Assumptions.assumeTrue(backend.attention().kernel() == CudaOptions.Attention.WGMMA_SPECIALIZED,
        () -> "the wgmma attention kernel needs compute capability 9.0 (sm_90a): " + backend.description());
  }
}
