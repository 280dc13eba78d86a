package org.sdj.model.blocks;

import java.util.List;
import org.sdj.backend.Tensor;

/**
 * What the UNet's cross-attention attends to, as diffusers' {@code encoder_hidden_states} once IP-Adapters are loaded
 * (the text, then a list of image tokens): the text tokens, and each IP-Adapter's image tokens with its scale
 * ({@code set_ip_adapter_scale}), in the order of the adapters.
 *
 * @param text {@code [N, L, cross_attention_dim]}
 * @param images one entry per loaded IP-Adapter, or none for text alone
 */
public record EncoderHiddenStates(Tensor text, List<ImageTokens> images) {

  /**
   * One IP-Adapter's image prompt.
   *
   * @param tokens {@code [N, T, cross_attention_dim]}, the image projection's output
   * @param scale how much the image steers (0: not at all; 1: as trained)
   */
  public record ImageTokens(Tensor tokens, float scale) {}

  public EncoderHiddenStates {
    images = List.copyOf(images);
  }

  /** The text alone. */
  public static EncoderHiddenStates text(Tensor text) {
    return new EncoderHiddenStates(text, List.of());
  }
}
