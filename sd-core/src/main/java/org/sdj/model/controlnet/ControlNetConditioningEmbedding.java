package org.sdj.model.controlnet;

import java.util.ArrayList;
import java.util.List;
import org.sdj.backend.Activation;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;

/**
 * diffusers' {@code ControlNetConditioningEmbedding}: the control image to the latents' size and the UNet's first
 * width: {@code conv_in}, then for each further width a 3x3 convolution and a stride-2 one, SiLU after each, and
 * {@code conv_out}.
 */
final class ControlNetConditioningEmbedding {
  private final Conv2d convIn;
  private final List<Conv2d> blocks = new ArrayList<>();
  private final Conv2d convOut;

  /**
   * @param widths {@code conditioning_embedding_out_channels}
   * @param out the UNet's first width ({@code block_out_channels[0]})
   */
  ControlNetConditioningEmbedding(Weights w, int inChannels, List<Integer> widths, long out) {
    this.convIn = Conv2d.same(w.prefix("conv_in"), inChannels, widths.getFirst(), 3);
    for (int i = 0; i < widths.size() - 1; i++) {
      long from = widths.get(i);
      blocks.add(Conv2d.same(w.prefix("blocks." + 2 * i), from, from, 3));
      blocks.add(Conv2d.load(w.prefix("blocks." + (2 * i + 1)), from, widths.get(i + 1), 3, Conv2dParams.of(2, 1)));
    }
    this.convOut = Conv2d.same(w.prefix("conv_out"), widths.getLast(), out, 3);
  }

  /** {@code [N, conditioning_channels, H, W] -> [N, block_out_channels[0], H / f, W / f]}. */
  Tensor forward(Ops ops, Tensor image) {
    Tensor h = silu(ops, convIn.forward(ops, image));
    for (Conv2d block : blocks) {
      Tensor next = silu(ops, block.forward(ops, h));
      h.close();
      h = next;
    }
    Tensor out = convOut.forward(ops, h);
    h.close();
    return out;
  }

  private static Tensor silu(Ops ops, Tensor x) {
    Tensor y = ops.activation(x, Activation.SILU);
    x.close();
    return y;
  }
}
