package org.sdj.model.ipadapter;

import org.sdj.backend.Activation;
import org.sdj.backend.Ops;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.LayerNorm;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code IPAdapterFullImageProjection}, the full-face IP-Adapter's (ip-adapter-full-face_sd15): every token
 * of the image encoder's penultimate layer through a GELU feed-forward to the text's width ({@code ff.net.0.proj},
 * {@code ff.net.2}) and a layer norm ({@code norm}).
 */
public final class IPAdapterFullImageProjection implements ImagePromptProjection {
  private static final float NORM_EPS = 1e-5f;

  private final Linear ffIn;
  private final Linear ffOut;
  private final LayerNorm norm;
  private final Shape shape;

  /**
   * @param embedDim the image encoder's {@code hidden_size}
   * @param tokens the encoder's tokens, {@code 1 + (image_size / patch_size)^2}: each becomes an image token
   */
  public IPAdapterFullImageProjection(Weights w, long embedDim, long tokens, long crossAttentionDim) {
    this.ffIn = Linear.load(w.prefix("ff.net.0.proj"), embedDim, embedDim, true);
    this.ffOut = Linear.load(w.prefix("ff.net.2"), embedDim, crossAttentionDim, true);
    this.norm = LayerNorm.load(w.prefix("norm"), crossAttentionDim, NORM_EPS);
    this.shape = new Shape(Input.PENULTIMATE_HIDDEN_STATES, embedDim, tokens, crossAttentionDim);
  }

  @Override
  public Shape shape() {
    return shape;
  }

  /**
   * @param states {@code [B, tokens, embedDim]}, the image encoder's {@code hidden_states[-2]}
   * @return {@code [B, tokens, cross_attention_dim]}
   */
  @Override
  public Tensor forward(Ops ops, Tensor states) {
    if (states.shape().length != 3 || states.dim(1) != shape.tokens() || states.dim(2) != shape.inputWidth()) {
      throw new IllegalArgumentException("the full-face projection takes [B, " + shape.tokens() + ", "
          + shape.inputWidth() + "] hidden states, not " + Shapes.str(states.shape()));
    }
    Tensor wide = ffIn.forward(ops, states);
    Tensor activated = ops.activation(wide, Activation.GELU);
    wide.close();
    Tensor out = ffOut.forward(ops, activated);
    activated.close();
    Tensor normed = norm.forward(ops, out);
    out.close();
    return normed;
  }
}
