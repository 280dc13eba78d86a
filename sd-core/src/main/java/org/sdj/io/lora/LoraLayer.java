package org.sdj.io.lora;

import org.sdj.io.model.Component;
import org.sdj.io.safetensors.SafeTensor;

/**
 * One layer of a LoRA file: the two low-rank factors of one weight's change.
 *
 * @param component the model it changes
 * @param module the layer's name as the file writes it: dotted as in the state dict ({@code down_blocks.0.proj_in}) or
 *     with underscores for dots (kohya's {@code down_blocks_0_proj_in})
 * @param down {@code [rank, in]}, or {@code [rank, in, kh, kw]} for a convolution
 * @param up {@code [out, rank]}, or {@code [out, rank, 1, 1]}
 * @param alpha the file's alpha for the layer; the rank where it has none (scale 1)
 */
record LoraLayer(Component component, String module, SafeTensor down, SafeTensor up, double alpha) {
  long rank() {
    return down.shape()[0];
  }
}
