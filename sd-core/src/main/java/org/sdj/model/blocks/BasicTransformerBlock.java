package org.sdj.model.blocks;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.LayerNorm;

/**
 * diffusers' {@code BasicTransformerBlock} as Stable Diffusion uses it (layer norms, GEGLU feed-forward):
 * self-attention, cross-attention on the text, feed-forward, each pre-normed and added back.
 */
public final class BasicTransformerBlock {
  private static final float NORM_EPS = 1e-5f;

  private final LayerNorm norm1;
  private final Attention attn1;
  private final LayerNorm norm2;
  private final Attention attn2;
  private final LayerNorm norm3;
  private final FeedForward ff;
  private final boolean onlyCrossAttention;

  /**
   * @param onlyCrossAttention whether {@code attn1} also attends to the text (diffusers' {@code only_cross_attention})
   */
  public BasicTransformerBlock(Weights w, long dim, int heads, long dimHead, long crossAttentionDim,
      boolean onlyCrossAttention) {
    this.norm1 = LayerNorm.load(w.prefix("norm1"), dim, NORM_EPS);
    this.attn1 = onlyCrossAttention
        ? Attention.cross(w.prefix("attn1"), dim, crossAttentionDim, heads, dimHead)
        : Attention.self(w.prefix("attn1"), dim, heads, dimHead, false, 0, 0f);
    this.norm2 = LayerNorm.load(w.prefix("norm2"), dim, NORM_EPS);
    this.attn2 = Attention.cross(w.prefix("attn2"), dim, crossAttentionDim, heads, dimHead);
    this.norm3 = LayerNorm.load(w.prefix("norm3"), dim, NORM_EPS);
    this.ff = new FeedForward(w.prefix("ff"), dim);
    this.onlyCrossAttention = onlyCrossAttention;
  }

  /**
   * @param x {@code [B, N, dim]}
   * @param context the text {@code [B, M, crossAttentionDim]}, and any IP-Adapters' image tokens, which only
   *     {@code attn2} reads
   * @return {@code [B, N, dim]}
   */
  public Tensor forward(Ops ops, Tensor x, EncoderHiddenStates context) {
    Tensor n = norm1.forward(ops, x);
    Tensor h = onlyCrossAttention ? attn1.forward(ops, n, context.text(), x)
        : attn1.forwardSelf(ops, n, x, context.perturbed());
    n.close();
    n = norm2.forward(ops, h);
    Tensor h2 = attn2.forward(ops, n, context, h);
    n.close();
    h.close();
    n = norm3.forward(ops, h2);
    Tensor out = ff.forward(ops, n, h2);
    n.close();
    h2.close();
    return out;
  }
}
