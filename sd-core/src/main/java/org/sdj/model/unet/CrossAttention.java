package org.sdj.model.unet;

import org.sdj.io.model.UNet2DConditionConfig;

/**
 * The transformer settings of one UNet block, taken from the config's per-block lists.
 *
 * @param heads attention heads ({@code num_attention_heads}, or the {@code attention_head_dim} quirk)
 * @param layers {@code transformer_layers_per_block}
 * @param crossAttentionDim width of the text tokens
 * @param onlyCrossAttention whether self-attention attends to the text too
 */
record CrossAttention(int heads, int layers, long crossAttentionDim, boolean onlyCrossAttention) {

  /** The settings of down block {@code block}; up blocks mirror them. */
  static CrossAttention of(UNet2DConditionConfig c, int block) {
    return new CrossAttention(c.numAttentionHeads(block), c.transformerLayersPerBlock(block),
        c.crossAttentionDim(block), c.onlyCrossAttention().get(block));
  }

  /** The mid block's: the last block's, with its own {@code mid_block_only_cross_attention}. */
  static CrossAttention mid(UNet2DConditionConfig c) {
    int last = c.blockCount() - 1;
    return new CrossAttention(c.numAttentionHeads(last), c.transformerLayersPerBlock(last),
        c.crossAttentionDim(last), c.midBlockOnlyCrossAttention());
  }
}
