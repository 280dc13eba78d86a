package org.sdj.cuda;

/** {@link FlashAttentionRuleCases} on the mma.sync kernel (flash_attention.cu), whatever the system properties say. */
class FlashAttentionRuleTest extends FlashAttentionRuleCases {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withAttention(CudaOptions.Attention.MMA);
  }
}
