package org.sdj.model.blocks;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.sdj.backend.Tensor;

/**
 * What the UNet's cross-attention attends to, as diffusers' {@code encoder_hidden_states} once IP-Adapters are loaded
 * (the text, then a list of image tokens): the text tokens, and each IP-Adapter's image tokens with its scale
 * ({@code set_ip_adapter_scale}), in the order of the adapters.
 *
 * <p>It carries too what the UNet's self-attention layers are to do beside (perturbed-attention guidance's identity
 * rows), since every attention block of a call is handed it.
 *
 * @param text {@code [N, L, cross_attention_dim]}
 * @param images one entry per loaded IP-Adapter, or none for text alone
 * @param perturbed perturbed-attention guidance's rows and layers; empty for none
 */
public record EncoderHiddenStates(Tensor text, List<ImageTokens> images, Optional<PerturbedAttention> perturbed) {

  /**
   * One IP-Adapter's image prompt.
   *
   * @param tokens {@code [N, T, cross_attention_dim]}, the image projection's output
   * @param scale how much the image steers (0: not at all; 1: as trained)
   */
  public record ImageTokens(Tensor tokens, float scale) {}

  public EncoderHiddenStates {
    images = List.copyOf(images);
    Objects.requireNonNull(perturbed, "perturbed");
  }

  /** The text and image tokens, no perturbation. */
  public EncoderHiddenStates(Tensor text, List<ImageTokens> images) {
    this(text, images, Optional.empty());
  }

  /** The text alone. */
  public static EncoderHiddenStates text(Tensor text) {
    return new EncoderHiddenStates(text, List.of());
  }

  /** These states with {@code perturbed} for the self-attention layers. */
  public EncoderHiddenStates withPerturbed(Optional<PerturbedAttention> perturbed) {
    return new EncoderHiddenStates(text, images, perturbed);
  }
}
