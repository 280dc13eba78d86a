package org.sdj.model.ipadapter;

import org.sdj.backend.Ops;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.LayerNorm;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code ImageProjection}, the plain IP-Adapter's (ip-adapter_sd15, ip-adapter_sdxl): the image encoder's
 * projected embedding widened into {@code T} tokens of the text's width ({@code image_embeds}), each layer-normed
 * ({@code norm}).
 */
public final class ImageProjection implements ImagePromptProjection {
  private static final float NORM_EPS = 1e-5f;

  private final Linear imageEmbeds;
  private final LayerNorm norm;
  private final Shape shape;

  /**
   * @param embedDim the image encoder's {@code projection_dim}
   * @param tokens {@code num_image_text_embeds} (4 for every published plain IP-Adapter)
   */
  public ImageProjection(Weights w, long embedDim, long tokens, long crossAttentionDim) {
    this.imageEmbeds = Linear.load(w.prefix("image_embeds"), embedDim, tokens * crossAttentionDim, true);
    this.norm = LayerNorm.load(w.prefix("norm"), crossAttentionDim, NORM_EPS);
    this.shape = new Shape(Input.IMAGE_EMBEDS, embedDim, tokens, crossAttentionDim);
  }

  @Override
  public Shape shape() {
    return shape;
  }

  /**
   * @param embeds {@code [B, embedDim]}, the image encoder's {@code image_embeds}
   * @return {@code [B, T, cross_attention_dim]}
   */
  @Override
  public Tensor forward(Ops ops, Tensor embeds) {
    if (embeds.shape().length != 2 || embeds.dim(1) != shape.inputWidth()) {
      throw new IllegalArgumentException("an image projection takes [B, " + shape.inputWidth() + "] image"
          + " embeddings, not " + Shapes.str(embeds.shape()));
    }
    long batch = embeds.dim(0);
    Tensor wide = imageEmbeds.forward(ops, embeds);
    Tensor out = norm.forward(ops, ops.reshape(wide, batch, shape.tokens(), shape.crossAttentionDim()));
    wide.close();
    return out;
  }
}
