package org.sdj.model.unet;

import java.util.ArrayList;
import java.util.List;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.blocks.EncoderHiddenStates;
import org.sdj.model.Weights;
import org.sdj.model.blocks.ResnetBlock2D;
import org.sdj.model.blocks.Transformer2DModel;

/** diffusers' {@code UNetMidBlock2DCrossAttn}: a resnet, then (transformer, resnet) pairs, at the lowest resolution. */
final class UNetMidBlock2DCrossAttn {
  private final List<ResnetBlock2D> resnets = new ArrayList<>();
  private final List<Transformer2DModel> attentions;

  UNetMidBlock2DCrossAttn(Weights w, long channels, UNetBlockSettings s, CrossAttention a,
      float outputScaleFactor) {
    int layers = 1;
    for (int i = 0; i <= layers; i++) {
      resnets.add(new ResnetBlock2D(w.prefix("resnets." + i), channels, channels, s.tembChannels(), s.groups(),
          s.eps(), outputScaleFactor));
    }
    this.attentions = CrossAttnDownBlock2D.transformers(w, channels, layers, s, a);
  }

  /** {@code [N, C, H, W] -> [N, C, H, W]}. */
  Tensor forward(Ops ops, Tensor x, Tensor siluTemb, EncoderHiddenStates context) {
    Tensor h = resnets.get(0).forward(ops, x, siluTemb);
    for (int i = 0; i < attentions.size(); i++) {
      Tensor a = attentions.get(i).forward(ops, h, context);
      h.close();
      h = resnets.get(i + 1).forward(ops, a, siluTemb);
      a.close();
    }
    return h;
  }
}
