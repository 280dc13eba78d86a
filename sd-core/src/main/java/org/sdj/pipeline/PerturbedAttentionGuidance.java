package org.sdj.pipeline;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.sdj.model.blocks.PerturbedAttention;
import org.sdj.model.unet.UNet2DConditionModel;

/**
 * Perturbed-attention guidance (Ahn et al., 2024; diffusers' PAG pipelines): each call also runs the conditional rows
 * with an identity map in some self-attention layers, and the guidance pushes away from that degraded prediction,
 * {@code uncond + g (cond - uncond) + s (cond - perturbed)} (without classifier-free guidance,
 * {@code cond + s (cond - perturbed)}).
 *
 * @param scale {@code s}, diffusers' {@code pag_scale} (3 there by default)
 * @param adaptiveScale diffusers' {@code pag_adaptive_scale}: where above 0, the scale at timestep {@code t} is
 *     {@code max(scale - adaptiveScale * (1000 - t), 0)}, weaker as the picture settles
 * @param layers diffusers' {@code pag_applied_layers}: patterns found in the self-attention modules' names
 *     ({@code mid}: the mid block's; {@code up_blocks.1}; {@code down_blocks.2.attentions.1})
 */
public record PerturbedAttentionGuidance(double scale, double adaptiveScale, List<String> layers) {
  /** diffusers' defaults for its SD and SDXL PAG pipelines: scale 3, the mid block's layers. */
  public static final PerturbedAttentionGuidance DEFAULT = new PerturbedAttentionGuidance(3, 0, List.of("mid"));

  /** @throws IllegalArgumentException for a negative or non-finite scale, no layers or a pattern that is no regex */
  public PerturbedAttentionGuidance {
    layers = List.copyOf(layers);
    if (!(scale >= 0) || !Double.isFinite(scale) || !(adaptiveScale >= 0) || !Double.isFinite(adaptiveScale)) {
      throw new IllegalArgumentException("PAG's scale and adaptive scale must be numbers of at least 0, got " + scale
          + " and " + adaptiveScale);
    }
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("PAG needs at least one layer pattern (mid, up_blocks.1, ...)");
    }
    for (String layer : layers) {
      Objects.requireNonNull(layer, "layer");
      try {
        Pattern.compile(layer);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("PAG layer " + layer + " is no regular expression: " + e.getDescription());
      }
    }
  }

  /** These settings with another scale. */
  public PerturbedAttentionGuidance withScale(double scale) {
    return new PerturbedAttentionGuidance(scale, adaptiveScale, layers);
  }

  /** These settings with another adaptive scale. */
  public PerturbedAttentionGuidance withAdaptiveScale(double adaptiveScale) {
    return new PerturbedAttentionGuidance(scale, adaptiveScale, layers);
  }

  /** These settings with other layer patterns. */
  public PerturbedAttentionGuidance withLayers(List<String> layers) {
    return new PerturbedAttentionGuidance(scale, adaptiveScale, layers);
  }

  /** The scale at timestep {@code t}, as diffusers' {@code _get_pag_scale}. */
  double scaleAt(double t) {
    return adaptiveScale > 0 ? Math.max(scale - adaptiveScale * (1000 - t), 0) : scale;
  }

  /**
   * The perturbation of a call's last {@code rows} rows in {@code unet}.
   *
   * @throws IllegalArgumentException where a pattern is found in none of the UNet's self-attention layers, as
   *     diffusers refuses it
   */
  PerturbedAttention perturbation(UNet2DConditionModel unet, long rows) {
    List<Pattern> patterns = layers.stream().map(Pattern::compile).toList();
    for (int i = 0; i < patterns.size(); i++) {
      Pattern p = patterns.get(i);
      if (unet.selfAttentionLayers().stream().noneMatch(name -> p.matcher(name).find())) {
        throw new IllegalArgumentException("PAG layer " + layers.get(i) + " names none of the UNet's self-attention"
            + " layers (such as " + String.join(", ", unet.selfAttentionLayers().stream().limit(2).toList())
            + "): try mid, up_blocks.1 or down_blocks.2");
      }
    }
    return new PerturbedAttention(patterns, rows);
  }
}
