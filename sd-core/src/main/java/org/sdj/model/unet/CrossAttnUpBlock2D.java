package org.sdj.model.unet;

import org.sdj.model.Weights;

/** diffusers' {@code CrossAttnUpBlock2D}: an {@link UpBlock2D} with a transformer after each resnet. */
final class CrossAttnUpBlock2D extends UpBlock2D {

  CrossAttnUpBlock2D(Weights w, long in, long prevOut, long out, int layers, boolean addUpsample,
      UNetBlockSettings s, CrossAttention a) {
    super(w, in, prevOut, out, layers, addUpsample, s, CrossAttnDownBlock2D.transformers(w, out, layers, s, a));
  }
}
