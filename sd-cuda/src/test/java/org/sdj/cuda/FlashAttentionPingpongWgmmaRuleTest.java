package org.sdj.cuda;

/** {@link WgmmaRuleCases} on the warp-specialized kernel with its consumers taking turns to issue their products. */
class FlashAttentionPingpongWgmmaRuleTest extends WgmmaRuleCases {
  @Override
  CudaOptions.Attention kernel() {
    return CudaOptions.Attention.WGMMA_PINGPONG;
  }
}
