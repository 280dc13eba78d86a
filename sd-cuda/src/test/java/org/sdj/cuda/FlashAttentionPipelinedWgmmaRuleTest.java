package org.sdj.cuda;

/**
 * {@link WgmmaRuleCases} on the pipelined loop ({@code pipelined_loop}: one key tile's softmax overlapped with the
 * previous tile's O += P V).
 */
class FlashAttentionPipelinedWgmmaRuleTest extends WgmmaRuleCases {
  @Override
  CudaOptions.Attention kernel() {
    return CudaOptions.Attention.WGMMA_PIPELINED;
  }
}
