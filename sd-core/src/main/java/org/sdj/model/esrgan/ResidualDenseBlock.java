package org.sdj.model.esrgan;

import org.sdj.backend.Activation;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;

/**
 * basicsr's {@code ResidualDenseBlock} (ESRGAN): five 3x3 convolutions {@code conv1..conv5}, each reading the block's
 * input beside every earlier output (concatenated along channels), LeakyReLU(0.2) after the first four; the fifth's
 * output, scaled by 0.2, is added to the input.
 */
final class ResidualDenseBlock {
  private static final int CONVOLUTIONS = 5;
  static final float RESIDUAL_SCALE = 0.2f;

  private final Conv2d[] convs = new Conv2d[CONVOLUTIONS];

  /**
   * @param features the block's input and output channels ({@code num_feat})
   * @param growth the channels each of the first four convolutions adds ({@code num_grow_ch})
   */
  ResidualDenseBlock(Weights w, long features, long growth) {
    for (int i = 0; i < CONVOLUTIONS; i++) {
      long out = i < CONVOLUTIONS - 1 ? growth : features;
      convs[i] = Conv2d.same(w.prefix("conv" + (i + 1)), features + i * growth, out, 3);
    }
  }

  /** {@code [N, features, H, W] -> [N, features, H, W]}. */
  Tensor forward(Ops ops, Tensor x) {
    Tensor seen = x;
    for (int i = 0; i < CONVOLUTIONS - 1; i++) {
      Tensor h = convs[i].forward(ops, seen);
      Tensor a = ops.activation(h, Activation.LEAKY_RELU);
      h.close();
      Tensor wider = ops.concat(1, seen, a);
      a.close();
      if (seen != x) {
        seen.close();
      }
      seen = wider;
    }
    Tensor last = convs[CONVOLUTIONS - 1].forward(ops, seen);
    seen.close();
    Tensor out = ops.combine(RESIDUAL_SCALE, last, 1, x);
    last.close();
    return out;
  }
}
