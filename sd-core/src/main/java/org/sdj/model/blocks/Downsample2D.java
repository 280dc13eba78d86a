package org.sdj.model.blocks;

import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;

/**
 * diffusers' {@code Downsample2D} with a convolution: 3x3, stride 2. With {@code padding} 0 (the VAE encoder) the input
 * is padded on the bottom and right only, as diffusers does.
 */
public final class Downsample2D {
  private final Conv2d conv;

  public Downsample2D(Weights w, long channels, int padding) {
    Conv2dParams params = padding == 0 ? new Conv2dParams(2, 0, 1, 0, 1) : Conv2dParams.of(2, padding);
    this.conv = Conv2d.load(w.prefix("conv"), channels, channels, 3, params);
  }

  /** {@code [N, C, H, W] -> [N, C, ceil-ish(H/2), ceil-ish(W/2)]}. */
  public Tensor forward(Ops ops, Tensor x) {
    return conv.forward(ops, x);
  }
}
