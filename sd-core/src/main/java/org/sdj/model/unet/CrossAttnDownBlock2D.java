package org.sdj.model.unet;

import java.util.ArrayList;
import java.util.List;
import org.sdj.model.Weights;
import org.sdj.model.blocks.Transformer2DModel;

/** diffusers' {@code CrossAttnDownBlock2D}: a {@link DownBlock2D} with a {@link Transformer2DModel} after each resnet. */
final class CrossAttnDownBlock2D extends DownBlock2D {

  CrossAttnDownBlock2D(Weights w, long in, long out, int layers, boolean addDownsample, int downsamplePadding,
      UNetBlockSettings s, CrossAttention a) {
    super(w, in, out, layers, addDownsample, downsamplePadding, s, transformers(w, out, layers, s, a));
  }

  /** The {@code attentions.i} of a cross-attention block, shared with the up and mid blocks. */
  static List<Transformer2DModel> transformers(Weights w, long channels, int count, UNetBlockSettings s,
      CrossAttention a) {
    List<Transformer2DModel> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      list.add(new Transformer2DModel(w.prefix("attentions." + i), channels, a.heads(), a.layers(),
          a.crossAttentionDim(), s.groups(), s.useLinearProjection(), a.onlyCrossAttention()));
    }
    return list;
  }
}
