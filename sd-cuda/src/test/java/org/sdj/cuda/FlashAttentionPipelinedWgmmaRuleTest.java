package org.sdj.cuda;

import org.junit.jupiter.api.Assumptions;

/**
 * {@link FlashAttentionRuleCases} on the Hopper kernel's pipelined loop (flash_attention_wgmma.cu's
 * {@code pipelined_loop}: one key tile's softmax overlapped with the previous tile's O += P V); skipped where the GPU
 * is not compute capability 9.0.
 */
class FlashAttentionPipelinedWgmmaRuleTest extends FlashAttentionRuleCases {
  @Override
  CudaOptions options() {
    return CudaOptions.defaults().withAttention(CudaOptions.Attention.WGMMA_PIPELINED);
  }

  @Override
  void assumeKernel(CudaBackend backend) {
    Assumptions.assumeTrue(backend.attention().kernel() == CudaOptions.Attention.WGMMA_PIPELINED,
        () -> "the wgmma attention kernel needs compute capability 9.0 (sm_90a): " + backend.description());
  }
}
