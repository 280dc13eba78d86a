package org.sdj.model.ipadapter;

import java.util.ArrayList;
import java.util.List;
import org.sdj.backend.Ops;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.LayerNorm;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code IPAdapterPlusImageProjection}, IP-Adapter Plus's resampler (ip-adapter-plus_sd15,
 * ip-adapter-plus-face_sd15, ip-adapter-plus_sdxl_vit-h): learned queries ({@code latents}) that read every token of
 * the image encoder's penultimate layer through {@code proj_in} and four {@link IPAdapterPlusImageProjectionBlock}s,
 * then {@code proj_out} to the text's width and {@code norm_out}.
 */
public final class IPAdapterPlusImageProjection implements ImagePromptProjection {
  private static final float NORM_EPS = 1e-5f;
  /** diffusers builds four layers whatever the file holds. */
  private static final int DEPTH = 4;

  private final Tensor latents;
  private final Linear projIn;
  private final List<IPAdapterPlusImageProjectionBlock> layers = new ArrayList<>();
  private final Linear projOut;
  private final LayerNorm normOut;
  private final Shape shape;

  /**
   * @param embedDim the image encoder's {@code hidden_size}
   * @param queries {@code num_queries}, the tokens it makes ({@code latents}' second dimension)
   * @param hidden the resampler's width ({@code latents}' last dimension), a multiple of its 64-wide heads
   */
  public IPAdapterPlusImageProjection(Weights w, long embedDim, long queries, long hidden, long crossAttentionDim) {
    if (hidden % 64 != 0) {
      w.problem("the resampler's width " + hidden + " is not a multiple of its 64-wide heads");
    }
    this.latents = w.get("latents", 1, queries, hidden);
    this.projIn = Linear.load(w.prefix("proj_in"), embedDim, hidden, true);
    for (int i = 0; i < DEPTH; i++) {
      layers.add(new IPAdapterPlusImageProjectionBlock(w.prefix("layers." + i), hidden));
    }
    this.projOut = Linear.load(w.prefix("proj_out"), hidden, crossAttentionDim, true);
    this.normOut = LayerNorm.load(w.prefix("norm_out"), crossAttentionDim, NORM_EPS);
    this.shape = new Shape(Input.PENULTIMATE_HIDDEN_STATES, embedDim, queries, crossAttentionDim);
  }

  @Override
  public Shape shape() {
    return shape;
  }

  /**
   * @param states {@code [B, P, embedDim]}, the image encoder's {@code hidden_states[-2]}
   * @return {@code [B, queries, cross_attention_dim]}
   */
  @Override
  public Tensor forward(Ops ops, Tensor states) {
    if (states.shape().length != 3 || states.dim(2) != shape.inputWidth()) {
      throw new IllegalArgumentException("IP-Adapter Plus's resampler takes [B, P, " + shape.inputWidth() + "] hidden"
          + " states, not " + Shapes.str(states.shape()));
    }
    long batch = states.dim(0);
    Tensor x = projIn.forward(ops, states);
    Tensor q = latents;
    for (long b = 1; b < batch; b++) {
      q = ops.concat(0, q, latents);
    }
    for (IPAdapterPlusImageProjectionBlock layer : layers) {
      Tensor next = layer.forward(ops, x, q);
      if (q != latents) {
        q.close();
      }
      q = next;
    }
    x.close();
    Tensor out = projOut.forward(ops, q);
    q.close();
    Tensor normed = normOut.forward(ops, out);
    out.close();
    return normed;
  }
}
