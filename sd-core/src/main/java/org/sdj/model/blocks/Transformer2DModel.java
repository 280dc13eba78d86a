package org.sdj.model.blocks;

import java.util.ArrayList;
import java.util.List;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.nn.GroupNorm;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code Transformer2DModel} for continuous (image) input: group norm, {@code proj_in}, a stack of
 * {@link BasicTransformerBlock}s over the pixels as tokens, {@code proj_out}, plus the input. The projections are 1x1
 * convolutions (SD 1.x) or linear layers ({@code use_linear_projection}, SD 2.x).
 */
public final class Transformer2DModel {
  private static final float NORM_EPS = 1e-6f;

  private final GroupNorm norm;
  private final Conv2d projInConv;
  private final Linear projInLinear;
  private final List<BasicTransformerBlock> blocks = new ArrayList<>();
  private final Conv2d projOutConv;
  private final Linear projOutLinear;

  public Transformer2DModel(Weights w, long channels, int heads, int layers, long crossAttentionDim, int normGroups,
      boolean useLinearProjection, boolean onlyCrossAttention) {
    long dimHead = channels / heads;
    if (channels % heads != 0) {
      w.problem(w.path() + ": " + channels + " channels do not split into " + heads + " attention heads");
    }
    this.norm = GroupNorm.load(w.prefix("norm"), channels, normGroups, NORM_EPS);
    this.projInConv = useLinearProjection ? null : Conv2d.same(w.prefix("proj_in"), channels, channels, 1);
    this.projInLinear = useLinearProjection ? Linear.load(w.prefix("proj_in"), channels, channels, true) : null;
    for (int i = 0; i < layers; i++) {
      blocks.add(new BasicTransformerBlock(w.prefix("transformer_blocks." + i), channels, heads, dimHead,
          crossAttentionDim, onlyCrossAttention));
    }
    this.projOutConv = useLinearProjection ? null : Conv2d.same(w.prefix("proj_out"), channels, channels, 1);
    this.projOutLinear = useLinearProjection ? Linear.load(w.prefix("proj_out"), channels, channels, true) : null;
  }

  /**
   * @param x {@code [N, C, H, W]}
   * @param context the text {@code [N, M, crossAttentionDim]}, and any IP-Adapters' image tokens
   * @return {@code [N, C, H, W]}
   */
  public Tensor forward(Ops ops, Tensor x, EncoderHiddenStates context) {
    long height = x.dim(2);
    long width = x.dim(3);
    Tensor normed = norm.forward(ops, x);
    Tensor tokens;
    if (projInConv != null) {
      Tensor projected = projInConv.forward(ops, normed);
      tokens = ops.nchwToTokens(projected);
      projected.close();
    } else {
      Tensor flat = ops.nchwToTokens(normed);
      tokens = projInLinear.forward(ops, flat);
      flat.close();
    }
    normed.close();
    for (BasicTransformerBlock block : blocks) {
      Tensor next = block.forward(ops, tokens, context);
      tokens.close();
      tokens = next;
    }
    Tensor out;
    if (projOutConv != null) {
      Tensor image = ops.tokensToNchw(tokens, height, width);
      out = projOutConv.forward(ops, image, x);
      image.close();
    } else {
      Tensor projected = projOutLinear.forward(ops, tokens);
      out = ops.tokensToNchw(projected, height, width);
      projected.close();
      Tensor sum = ops.add(out, x);
      out.close();
      out = sum;
    }
    tokens.close();
    return out;
  }
}
