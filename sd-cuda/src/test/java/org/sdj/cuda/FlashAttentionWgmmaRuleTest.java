package org.sdj.cuda;

import org.junit.jupiter.api.Assumptions;

/**
 * {@link FlashAttentionRuleCases} on the Hopper kernel (flash_attention_wgmma.cu) for the head sizes it provides (the
 * others fall back to the mma.sync kernel); skipped where the GPU is not compute capability 9.0, whose sm_90a code it
 * is built as.
 */
class FlashAttentionWgmmaRuleTest extends FlashAttentionRuleCases {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withAttention(CudaOptions.Attention.WGMMA);
  }

  @Override
  void assumeKernel(CudaBackend backend) {
    Assumptions.assumeTrue(backend.attention().wgmmaAttention(),
        () -> "the wgmma attention kernel needs compute capability 9.0 (sm_90a): " + backend.description());
  }
}
