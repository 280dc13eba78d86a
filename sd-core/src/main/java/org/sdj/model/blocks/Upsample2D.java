package org.sdj.model.blocks;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;

/** diffusers' {@code Upsample2D} with a convolution: nearest-neighbour resize, then a 3x3 convolution. */
public final class Upsample2D {
  private final Conv2d conv;

  public Upsample2D(Weights w, long channels) {
    this.conv = Conv2d.same(w.prefix("conv"), channels, channels, 3);
  }

  /**
   * Resizes {@code x [N, C, H, W]} to {@code [N, C, height, width]} and convolves. The UNet passes the size of the skip
   * connection it meets next, which is {@code 2H x 2W} unless the latent size is not a multiple of the total downscale.
   */
  public Tensor forward(Ops ops, Tensor x, long height, long width) {
    Tensor up = ops.upsampleNearest(x, height, width);
    Tensor out = conv.forward(ops, up);
    up.close();
    return out;
  }
}
