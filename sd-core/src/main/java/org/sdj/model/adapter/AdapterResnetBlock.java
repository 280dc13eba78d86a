package org.sdj.model.adapter;

import org.sdj.backend.Activation;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;

/**
 * diffusers' {@code AdapterResnetBlock} and {@code LightAdapterResnetBlock}: {@code x + block2(relu(block1(x)))},
 * {@code block1} 3x3 and {@code block2} 1x1 (3x3 in the light adapter's).
 */
final class AdapterResnetBlock {
  private final Conv2d block1;
  private final Conv2d block2;

  AdapterResnetBlock(Weights w, long channels, int secondKernel) {
    this.block1 = Conv2d.same(w.prefix("block1"), channels, channels, 3);
    this.block2 = Conv2d.same(w.prefix("block2"), channels, channels, secondKernel);
  }

  /** {@code [N, C, H, W] -> [N, C, H, W]}. */
  Tensor forward(Ops ops, Tensor x) {
    Tensor h = block1.forward(ops, x);
    Tensor a = ops.activation(h, Activation.RELU);
    h.close();
    Tensor out = block2.forward(ops, a, x);
    a.close();
    return out;
  }
}
