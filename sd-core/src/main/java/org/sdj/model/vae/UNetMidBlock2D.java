package org.sdj.model.vae;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.blocks.Attention;
import org.sdj.model.blocks.ResnetBlock2D;

/** diffusers' {@code UNetMidBlock2D} as the VAE uses it: resnet, single-head spatial self-attention, resnet. */
final class UNetMidBlock2D {
  private final ResnetBlock2D first;
  private final Attention attention;
  private final ResnetBlock2D second;

  UNetMidBlock2D(Weights w, long channels, int groups, float eps, boolean addAttention) {
    this.first = new ResnetBlock2D(w.prefix("resnets.0"), channels, channels, 0, groups, eps, 1f);
    this.attention = addAttention
        ? Attention.self(w.prefix("attentions.0"), channels, 1, channels, true, groups, eps)
        : null;
    this.second = new ResnetBlock2D(w.prefix("resnets.1"), channels, channels, 0, groups, eps, 1f);
  }

  /** {@code [N, C, H, W] -> [N, C, H, W]}. */
  Tensor forward(Ops ops, Tensor x) {
    Tensor h = first.forward(ops, x, null);
    if (attention != null) {
      Tensor a = attention.forwardSpatial(ops, h);
      h.close();
      h = a;
    }
    Tensor out = second.forward(ops, h, null);
    h.close();
    return out;
  }
}
