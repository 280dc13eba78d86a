package org.sdj.model.vae;

import org.sdj.backend.Activation;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;

/**
 * diffusers' {@code AutoencoderTinyBlock} (TAESD's {@code Block}): three 3x3 convolutions {@code conv.0},
 * {@code conv.2}, {@code conv.4} with ReLUs between, plus the input (through a 1x1 {@code skip} convolution without bias where the
 * widths differ), then a ReLU.
 */
final class AutoencoderTinyBlock {
  private final Conv2d[] convs = new Conv2d[3];
  private final Conv2d skip;

  AutoencoderTinyBlock(Weights w, long in, long out) {
    for (int i = 0; i < convs.length; i++) {
      convs[i] = Conv2d.same(w.prefix("conv." + 2 * i), i == 0 ? in : out, out, 3);
    }
    this.skip = in == out ? null : Conv2d.load(w.prefix("skip"), in, out, 1, Conv2dParams.of(1, 0), false);
  }

  /** {@code [N, in, H, W] -> [N, out, H, W]}. */
  Tensor forward(Ops ops, Tensor x) {
    Tensor h = x;
    for (int i = 0; i < convs.length - 1; i++) {
      Tensor c = convs[i].forward(ops, h);
      if (h != x) {
        h.close();
      }
      h = ops.activation(c, Activation.RELU);
      c.close();
    }
    Tensor residual = skip == null ? x : skip.forward(ops, x);
    Tensor sum = convs[convs.length - 1].forward(ops, h, residual);
    h.close();
    if (residual != x) {
      residual.close();
    }
    Tensor out = ops.activation(sum, Activation.RELU);
    sum.close();
    return out;
  }
}
