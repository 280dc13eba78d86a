package org.sdj.model.blocks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 *
 * <p>A cross-attention block into which IP-Adapters were loaded has, for each adapter {@code i}, its own key and value
 * projections of the image tokens, {@code processor.to_k_ip.i} and {@code processor.to_v_ip.i} (where diffusers'
 * {@code IPAdapterAttnProcessor} keeps them): the queries attend to the text and to each adapter's image tokens
 * apart, and the outputs add up, each image's scaled ({@link #forward(Ops, Tensor, EncoderHiddenStates, Tensor)}).
 */
public final class Attention {
  private final Projections projections;
  /** Each IP-Adapter's key and value projections of its image tokens, in the adapters' order. */
  private final List<Projections> imageProjections;
  private final boolean self;
  private final Linear toOut;
  private final GroupNorm groupNorm;
  private final int heads;
  private final float scale;
  /** The module's name in the state dict ({@code mid_block.attentions.0.transformer_blocks.0.attn1}). */
  private final String name;

  private Attention(Weights w, long queryDim, long contextDim, int heads, long dimHead, boolean self,
      boolean qkvBias, int normGroups, float normEps, boolean outBias) {
    long inner = heads * dimHead;
    this.self = self;
    boolean legacy = !w.has("to_q.weight") && w.has("query.weight");
    String q = legacy ? "query" : "to_q";
    String k = legacy ? "key" : "to_k";
    String v = legacy ? "value" : "to_v";
    if (!w.fusedProjections()) {
      this.projections = new Separate(Optional.of(Linear.load(w.prefix(q), queryDim, inner, qkvBias)),
          Linear.load(w.prefix(k), contextDim, inner, qkvBias), Linear.load(w.prefix(v), contextDim, inner, qkvBias));
    } else if (self) {
      this.projections = new PackedQkv(Linear.loadStacked(w, List.of(q, k, v), queryDim, inner, qkvBias));
    } else {
      this.projections = new PackedKv(Optional.of(Linear.load(w.prefix(q), queryDim, inner, qkvBias)),
          Linear.loadStacked(w, List.of(k, v), contextDim, inner, qkvBias));
    }
    this.imageProjections = self ? List.of() : imageProjections(w, contextDim, inner);
    this.toOut = Linear.load(w.prefix(legacy ? "proj_attn" : "to_out.0"), inner, queryDim, outBias);
    this.groupNorm = normGroups > 0 ? GroupNorm.load(w.prefix("group_norm"), queryDim, normGroups, normEps) : null;
    this.heads = heads;
    this.scale = (float) (1.0 / Math.sqrt(dimHead));
    this.name = w.path().endsWith(".") ? w.path().substring(0, w.path().length() - 1) : w.path();
  }

  /**
   * Self-attention over tokens of width {@code dim}: {@link #forward} takes {@code x} itself as the context.
   *
   * @param qkvBias whether {@code to_q/k/v} carry biases (the VAE's do, the UNet's don't)
   * @param normGroups groups of the group norm {@link #forwardSpatial} applies first, or 0 for none
   */
  public static Attention self(Weights w, long dim, int heads, long dimHead, boolean qkvBias, int normGroups,
      float normEps) {
    return new Attention(w, dim, dim, heads, dimHead, true, qkvBias, normGroups, normEps, true);
  }

  /**
   * Cross-attention of tokens of width {@code queryDim} to a context of width {@code contextDim}, without projection
   * biases (the UNet's).
   */
  public static Attention cross(Weights w, long queryDim, long contextDim, int heads, long dimHead) {
    return new Attention(w, queryDim, contextDim, heads, dimHead, false, false, 0, 0f, true);
  }

  /**
   * {@link #cross(Weights, long, long, int, long)} with or without a bias on {@code to_out.0} (diffusers'
   * {@code out_bias}).
   */
  public static Attention cross(Weights w, long queryDim, long contextDim, int heads, long dimHead, boolean outBias) {
    return new Attention(w, queryDim, contextDim, heads, dimHead, false, false, 0, 0f, outBias);
  }

  private static List<Projections> imageProjections(Weights w, long contextDim, long inner) {
    List<Projections> all = new ArrayList<>();
    Weights processor = w.prefix("processor");
    for (int i = 0; processor.hasOptional("to_k_ip." + i + ".weight"); i++) {
      String k = "to_k_ip." + i;
      String v = "to_v_ip." + i;
      all.add(w.fusedProjections()
          ? new PackedKv(Optional.empty(), Linear.loadStacked(processor, List.of(k, v), contextDim, inner, false))
          : new Separate(Optional.empty(), Linear.load(processor.prefix(k), contextDim, inner, false),
              Linear.load(processor.prefix(v), contextDim, inner, false)));
    }
    return List.copyOf(all);
  }

  /** How many IP-Adapters this block attends with: 0 unless IP-Adapters were loaded into its weights. */
  public int imageAdapters() {
    return imageProjections.size();
  }

  /**
   * Cross-attention to the text and to each IP-Adapter's image tokens, as diffusers' {@code IPAdapterAttnProcessor}:
   * {@code to_out(attend(q, text) + sum of scale_i * attend(q, image_i)) + residual}, one query for all.
   *
   * @param x {@code [B, N, queryDim]}
   * @param context the text, and one entry for each IP-Adapter of this block, or none (the text alone)
   * @param residual added to the output ({@code [B, N, queryDim]}), or {@code null}
   * @return {@code [B, N, queryDim]}
   * @throws IllegalArgumentException if the image prompts are not one for each of this block's IP-Adapters
   */
  public Tensor forward(Ops ops, Tensor x, EncoderHiddenStates context, Tensor residual) {
    List<EncoderHiddenStates.ImageTokens> images = context.images();
    if (images.isEmpty()) {
      return forward(ops, x, context.text(), residual);
    }
    if (images.size() != imageProjections.size()) {
      throw new IllegalArgumentException(images.size() + " image prompts for a block with " + imageProjections.size()
          + " IP-Adapters");
    }
    Tensor a;
    try (Tensor q = projections.query(ops, x)) {
      a = projections.attendQuery(ops, q, context.text(), heads, scale);
      for (int i = 0; i < images.size(); i++) {
        EncoderHiddenStates.ImageTokens image = images.get(i);
        if (image.scale() == 0) {
          continue;
        }
        Tensor attended = imageProjections.get(i).attendQuery(ops, q, image.tokens(), heads, scale);
        Tensor sum = ops.combine(1f, a, image.scale(), attended);
        attended.close();
        a.close();
        a = sum;
      }
    }
    Tensor out = toOut.forward(ops, a, residual);
    a.close();
    return out;
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
   * Self-attention over tokens, with perturbed-attention guidance's identity attention for the perturbed rows where
   * this block is one of its layers: those rows' output is {@code to_out(to_v(x)) + residual}.
   *
   * @param x {@code [B, N, queryDim]}
   * @param residual added to the output ({@code [B, N, queryDim]}), or {@code null}
   * @param perturbed the perturbation of this call, if any
   * @return {@code [B, N, queryDim]}
   */
  public Tensor forwardSelf(Ops ops, Tensor x, Tensor residual, Optional<PerturbedAttention> perturbed) {
    long rows = perturbed.filter(p -> p.appliesTo(name)).map(PerturbedAttention::rows).orElse(0L);
    if (rows == 0) {
      return forward(ops, x, x, residual);
    }
    long kept = x.dim(0) - rows;
    try (Tensor plain = ops.narrow(x, 0, 0, kept); Tensor identity = ops.narrow(x, 0, kept, rows);
        Tensor plainResidual = residual == null ? null : ops.narrow(residual, 0, 0, kept);
        Tensor identityResidual = residual == null ? null : ops.narrow(residual, 0, kept, rows);
        Tensor attended = forward(ops, plain, plain, plainResidual);
        Tensor values = projections.values(ops, identity);
        Tensor passed = toOut.forward(ops, values, identityResidual)) {
      return ops.concat(0, attended, passed);
    }
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
    /** The queries of {@code x} attending to the keys and values of {@code context}. */
    default Tensor attend(Ops ops, Tensor x, Tensor context, int heads, float scale) {
      try (Tensor q = query(ops, x)) {
        return attendQuery(ops, q, context, heads, scale);
      }
    }

    /** The queries of {@code x}; only for projections that have {@code to_q} apart. */
    default Tensor query(Ops ops, Tensor x) {
      throw new IllegalStateException("the queries of fused self-attention projections are not apart");
    }

    /** Attention of {@code q} to the keys and values of {@code context}. */
    default Tensor attendQuery(Ops ops, Tensor q, Tensor context, int heads, float scale) {
      throw new IllegalStateException("fused self-attention projections attend to their own input");
    }

    /** The values of {@code x}, {@code to_v(x)}: what an identity attention map passes through. */
    default Tensor values(Ops ops, Tensor x) {
      throw new IllegalStateException("cross-attention projections have no identity attention");
    }
  }

  /**
   * {@code to_q}, {@code to_k} and {@code to_v} apart; an IP-Adapter's image projections have no {@code to_q} (the
   * block's queries serve).
   */
  private record Separate(Optional<Linear> toQ, Linear toK, Linear toV) implements Projections {
    @Override
    public Tensor query(Ops ops, Tensor x) {
      return toQ.orElseThrow().forward(ops, x);
    }

    @Override
    public Tensor attendQuery(Ops ops, Tensor q, Tensor context, int heads, float scale) {
      try (Tensor k = toK.forward(ops, context);
          Tensor v = toV.forward(ops, context)) {
        return ops.attention(q, k, v, heads, scale, false);
      }
    }

    @Override
    public Tensor values(Ops ops, Tensor x) {
      return toV.forward(ops, x);
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

    @Override
    public Tensor values(Ops ops, Tensor x) {
      // The stacked output is q, k, v side by side; the values are the last third.
      try (Tensor qkv = toQkv.forward(ops, x)) {
        long inner = qkv.dim(qkv.rank() - 1) / 3;
        return ops.narrow(qkv, -1, 2 * inner, inner);
      }
    }
  }

  /** Cross-attention: one linear gives k and v side by side. */
  private record PackedKv(Optional<Linear> toQ, Linear toKv) implements Projections {
    @Override
    public Tensor query(Ops ops, Tensor x) {
      return toQ.orElseThrow().forward(ops, x);
    }

    @Override
    public Tensor attendQuery(Ops ops, Tensor q, Tensor context, int heads, float scale) {
      try (Tensor kv = toKv.forward(ops, context)) {
        return ops.crossAttention(q, kv, heads, scale);
      }
    }
  }
}
