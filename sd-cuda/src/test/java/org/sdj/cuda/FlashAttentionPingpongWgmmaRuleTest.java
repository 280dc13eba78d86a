package org.sdj.cuda;

import org.junit.jupiter.api.Assumptions;

/**
 * {@link FlashAttentionRuleCases} on the Hopper kernel's warp-specialized form with ping-pong
 * (flash_attention_wgmma.cu's {@code specialized} with {@code Turns}: the consumers take turns to issue their
 * products); skipped where the GPU is not compute capability 9.0.
 */
class FlashAttentionPingpongWgmmaRuleTest extends FlashAttentionRuleCases {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withAttention(CudaOptions.Attention.WGMMA_PINGPONG);
  }

  @Override
  void assumeKernel(CudaBackend backend) {
    Assumptions.assumeTrue(backend.attention().kernel() == CudaOptions.Attention.WGMMA_PINGPONG,
        () -> "the wgmma attention kernel needs compute capability 9.0 (sm_90a): " + backend.description());
  }
}
