package org.sdj.model.blocks;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.GroupNorm;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code Attention}: {@code to_q}, {@code to_k}, {@code to_v}, {@code to_out.0}, scaled-dot-product over
 * {@code heads} heads of {@code dimHead}. The transformer blocks use it on tokens (self- or cross-attention); the VAE's
 * mid block uses it on an image with its own group norm and residual ({@link #forwardSpatial}).
 *
 * <p>VAE files saved before diffusers 0.14 name the projections {@code query}, {@code key}, {@code value} and
 * {@code proj_attn}; those are read too.
 */
public final class Attention {
  private final Linear toQ;
  private final Linear toK;
  private final Linear toV;
  private final Linear toOut;
  private final GroupNorm groupNorm;
  private final int heads;
  private final float scale;

  /**
   * @param queryDim width of the tokens queried
   * @param contextDim width of the tokens attended to (equal to {@code queryDim} for self-attention)
   * @param qkvBias whether {@code to_q/k/v} carry biases (the VAE's do, the UNet's don't)
   * @param normGroups groups of the group norm applied first, or 0 for none
   */
  public Attention(Weights w, long queryDim, long contextDim, int heads, long dimHead, boolean qkvBias,
      int normGroups, float normEps) {
    long inner = heads * dimHead;
    boolean legacy = !w.has("to_q.weight") && w.has("query.weight");
    this.toQ = Linear.load(w.prefix(legacy ? "query" : "to_q"), queryDim, inner, qkvBias);
    this.toK = Linear.load(w.prefix(legacy ? "key" : "to_k"), contextDim, inner, qkvBias);
    this.toV = Linear.load(w.prefix(legacy ? "value" : "to_v"), contextDim, inner, qkvBias);
    this.toOut = Linear.load(w.prefix(legacy ? "proj_attn" : "to_out.0"), inner, queryDim, true);
    this.groupNorm = normGroups > 0 ? GroupNorm.load(w.prefix("group_norm"), queryDim, normGroups, normEps) : null;
    this.heads = heads;
    this.scale = (float) (1.0 / Math.sqrt(dimHead));
  }

  /**
   * Attention over tokens.
   *
   * @param x {@code [B, N, queryDim]}
   * @param context {@code [B, M, contextDim]}, or {@code x} itself for self-attention
   * @param residual added to the output ({@code [B, N, queryDim]}), or {@code null}
   * @return {@code [B, N, queryDim]}
   */
  public Tensor forward(Ops ops, Tensor x, Tensor context, Tensor residual) {
    Tensor q = toQ.forward(ops, x);
    Tensor k = toK.forward(ops, context);
    Tensor v = toV.forward(ops, context);
    Tensor a = ops.attention(q, k, v, heads, scale, false);
    q.close();
    k.close();
    v.close();
    Tensor out = toOut.forward(ops, a, residual);
    a.close();
    return out;
  }

  /**
   * Self-attention over the pixels of an image, with the group norm first and the input added back:
   * {@code [N, C, H, W] -> [N, C, H, W]}.
   */
  public Tensor forwardSpatial(Ops ops, Tensor x) {
    long h = x.dim(2);
    long w = x.dim(3);
    Tensor normed = groupNorm.forward(ops, x);
    Tensor tokens = ops.nchwToTokens(normed);
    normed.close();
    Tensor residual = ops.nchwToTokens(x);
    Tensor attended = forward(ops, tokens, tokens, residual);
    tokens.close();
    residual.close();
    Tensor out = ops.tokensToNchw(attended, h, w);
    attended.close();
    return out;
  }
}
