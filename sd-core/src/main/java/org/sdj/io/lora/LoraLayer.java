package org.sdj.io.lora;

import org.sdj.io.model.Component;

/**
 * One layer of a LoRA file: the change it makes to one weight, {@code [out, in * kh * kw]} as the weight is laid out.
 * Plain LoRA and LoCon are a low-rank product ({@link LowRankLayer}); LyCORIS' LoHa a Hadamard product of two
 * ({@link HadamardLayer}), its LoKr a Kronecker product ({@link KroneckerLayer}), LoCon's Tucker form and full
 * differences a change rebuilt whole ({@link DenseLayer}), each with AUTOMATIC1111's scale; any of them with DoRA's
 * weight decomposition ({@link DoraLayer}).
 */
sealed interface LoraLayer permits LowRankLayer, HadamardLayer, KroneckerLayer, DenseLayer, DoraLayer {

  /** The model it changes. */
  Component component();

  /**
   * The layer's name as the file writes it: dotted as in the state dict ({@code down_blocks.0.proj_in}) or with
   * underscores for dots (kohya's {@code down_blocks_0_proj_in}).
   */
  String module();

  /** The rows of the weight it changes. */
  long out();

  /** The values per row of the weight it changes ({@code in * kh * kw} for a convolution). */
  long in();

  /**
   * Adds {@code strength} times the change, with the layer's own scale ({@code alpha / dim} where it has an alpha),
   * to {@code weight}, {@code [out, in]} row-major.
   */
  void addTo(float[] weight, float strength);
}
