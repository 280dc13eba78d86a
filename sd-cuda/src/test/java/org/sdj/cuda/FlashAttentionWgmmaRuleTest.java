package org.sdj.cuda;

/** {@link WgmmaRuleCases} on the serial loop ({@code serial_loop}). */
class FlashAttentionWgmmaRuleTest extends WgmmaRuleCases {
  @Override
  CudaOptions.Attention kernel() {
    return CudaOptions.Attention.WGMMA;
  }
}
