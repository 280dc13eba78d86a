package org.sdj.model.blocks;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Perturbed-attention guidance's perturbation (Ahn et al., 2024; diffusers' {@code PAGCFGIdentitySelfAttnProcessor}):
 * in the self-attention layers whose module names match, the last {@code rows} rows of the batch attend with an
 * identity map, so that their output is {@code to_out(to_v(x))}; the other rows attend as usual.
 *
 * @param layers patterns found (not matched whole) in the modules' names, as diffusers' {@code pag_applied_layers}
 *     ({@code mid} for {@code mid_block.attentions.0.transformer_blocks.0.attn1} and its siblings)
 * @param rows how many of the batch's last rows are perturbed
 */
public record PerturbedAttention(List<Pattern> layers, long rows) {
  public PerturbedAttention {
    layers = List.copyOf(layers);
  }

  /** Whether the self-attention module {@code name} ({@code mid_block.attentions.0...attn1}) is perturbed. */
  public boolean appliesTo(String name) {
    return layers.stream().anyMatch(p -> p.matcher(name).find());
  }
}
