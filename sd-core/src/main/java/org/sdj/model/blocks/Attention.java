package org.sdj.model.blocks;

import java.util.List;
import org.sdj.backend.Ops;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.GroupNorm;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code Attention}: {@code to_q}, {@code to_k}, {@code to_v}, {@code to_out.0}, scaled-dot-product over
 * {@code heads} heads of {@code dimHead}. The transformer blocks use it on tokens (self- or cross-attention); the VAE's
 * mid block uses it on an image with its own group norm and residual ({@link #forwardSpatial}).
 *
 * <p>On a backend that asks for {@linkplain Weights#fusedProjections() fused projections}, the projections that read
 * one input are stacked into one linear, as diffusers' {@code fuse_qkv_projections} does: {@code to_q/to_k/to_v} of
 * self-attention, {@code to_k/to_v} of cross-attention.
 *
 * <p>VAE files saved before diffusers 0.14 name the projections {@code query}, {@code key}, {@code value} and
 * {@code proj_attn}; those are read too.
 */
public final class Attention {
  private final Projections projections;
  private final boolean self;
  private final Linear toOut;
  private final GroupNorm groupNorm;
  private final int heads;
  private final float scale;

  private Attention(Weights w, long queryDim, long contextDim, int heads, long dimHead, boolean self,
      boolean qkvBias, int normGroups, float normEps) {
    long inner = heads * dimHead;
    this.self = self;
    boolean legacy = !w.has("to_q.weight") && w.has("query.weight");
    String q = legacy ? "query" : "to_q";
    String k = legacy ? "key" : "to_k";
    String v = legacy ? "value" : "to_v";
    if (!w.fusedProjections()) {
      this.projections = new Separate(Linear.load(w.prefix(q), queryDim, inner, qkvBias),
          Linear.load(w.prefix(k), contextDim, inner, qkvBias), Linear.load(w.prefix(v), contextDim, inner, qkvBias));
    } else if (self) {
      this.projections = new PackedQkv(Linear.loadStacked(w, List.of(q, k, v), queryDim, inner, qkvBias));
    } else {
      this.projections = new PackedKv(Linear.load(w.prefix(q), queryDim, inner, qkvBias),
          Linear.loadStacked(w, List.of(k, v), contextDim, inner, qkvBias));
    }
    this.toOut = Linear.load(w.prefix(legacy ? "proj_attn" : "to_out.0"), inner, queryDim, true);
    this.groupNorm = normGroups > 0 ? GroupNorm.load(w.prefix("group_norm"), queryDim, normGroups, normEps) : null;
    this.heads = heads;
    this.scale = (float) (1.0 / Math.sqrt(dimHead));
  }

  /**
   * Self-attention over tokens of width {@code dim}: {@link #forward} takes {@code x} itself as the context.
   *
   * @param qkvBias whether {@code to_q/k/v} carry biases (the VAE's do, the UNet's don't)
   * @param normGroups groups of the group norm {@link #forwardSpatial} applies first, or 0 for none
   */
  public static Attention self(Weights w, long dim, int heads, long dimHead, boolean qkvBias, int normGroups,
      float normEps) {
    return new Attention(w, dim, dim, heads, dimHead, true, qkvBias, normGroups, normEps);
  }

  /**
   * Cross-attention of tokens of width {@code queryDim} to a context of width {@code contextDim}, without projection
   * biases (the UNet's).
   */
  public static Attention cross(Weights w, long queryDim, long contextDim, int heads, long dimHead) {
    return new Attention(w, queryDim, contextDim, heads, dimHead, false, false, 0, 0f);
  }

  /**
   * Attention over tokens.
   *
   * @param x {@code [B, N, queryDim]}
   * @param context {@code [B, M, contextDim]}; for a {@linkplain #self self-attention} block, {@code x} itself
   * @param residual added to the output ({@code [B, N, queryDim]}), or {@code null}
   * @return {@code [B, N, queryDim]}
   */
  public Tensor forward(Ops ops, Tensor x, Tensor context, Tensor residual) {
    if (self && context != x) {
      throw new IllegalArgumentException("a self-attention block attends to its input " + Shapes.str(x.shape())
          + "; it was given another context " + Shapes.str(context.shape()));
    }
    Tensor a = projections.attend(ops, x, context, heads, scale);
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

  /** The q, k and v projections and the attention over them, {@code [B, N, heads*d]}. */
  private sealed interface Projections {
    Tensor attend(Ops ops, Tensor x, Tensor context, int heads, float scale);
  }

  private record Separate(Linear toQ, Linear toK, Linear toV) implements Projections {
    @Override
    public Tensor attend(Ops ops, Tensor x, Tensor context, int heads, float scale) {
      try (Tensor q = toQ.forward(ops, x);
          Tensor k = toK.forward(ops, context);
          Tensor v = toV.forward(ops, context)) {
        return ops.attention(q, k, v, heads, scale, false);
      }
    }
  }

  /** Self-attention: one linear gives q, k and v side by side. */
  private record PackedQkv(Linear toQkv) implements Projections {
    @Override
    public Tensor attend(Ops ops, Tensor x, Tensor context, int heads, float scale) {
      try (Tensor qkv = toQkv.forward(ops, x)) {
        return ops.selfAttention(qkv, heads, scale, false);
      }
    }
  }

  /** Cross-attention: one linear gives k and v side by side. */
  private record PackedKv(Linear toQ, Linear toKv) implements Projections {
    @Override
    public Tensor attend(Ops ops, Tensor x, Tensor context, int heads, float scale) {
      try (Tensor q = toQ.forward(ops, x);
          Tensor kv = toKv.forward(ops, context)) {
        return ops.crossAttention(q, kv, heads, scale);
      }
    }
  }
}
