package org.sdj.cuda;

/** {@link WgmmaRuleCases} on the warp-specialized kernel (a producer warpgroup, two or three consumers, mbarriers). */
class FlashAttentionSpecializedWgmmaRuleTest extends WgmmaRuleCases {
  @Override
  CudaOptions.Attention kernel() {
    return CudaOptions.Attention.WGMMA_SPECIALIZED;
  }
}
