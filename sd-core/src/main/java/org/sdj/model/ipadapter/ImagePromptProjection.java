package org.sdj.model.ipadapter;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * An IP-Adapter's {@code image_proj}: what turns the image encoder's output into the image tokens the UNet's
 * cross-attention reads beside the text.
 */
public sealed interface ImagePromptProjection permits ImageProjection, IPAdapterPlusImageProjection,
    IPAdapterFullImageProjection {

  /** What of the image encoder's output a projection takes. */
  enum Input {
    /** {@code image_embeds}: the projected class token, {@code [B, projection_dim]}. */
    IMAGE_EMBEDS,
    /** {@code hidden_states[-2]}: every token of the penultimate layer, {@code [B, 1 + P, hidden_size]}. */
    PENULTIMATE_HIDDEN_STATES
  }

  /**
   * What a projection reads and makes.
   *
   * @param input what of the image encoder's output it takes
   * @param inputWidth the width of the input's last dimension
   * @param tokens how many image tokens it makes
   * @param crossAttentionDim the width of the tokens, the UNet's {@code cross_attention_dim}
   */
  record Shape(Input input, long inputWidth, long tokens, long crossAttentionDim) {}

  Shape shape();

  /**
   * The image tokens.
   *
   * @param input as {@link #shape()} says
   * @return {@code [B, tokens, cross_attention_dim]}
   */
  Tensor forward(Ops ops, Tensor input);
}
