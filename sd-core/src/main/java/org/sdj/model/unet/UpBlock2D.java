package org.sdj.model.unet;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.blocks.EncoderHiddenStates;
import org.sdj.model.Weights;
import org.sdj.model.blocks.ResnetBlock2D;
import org.sdj.model.blocks.Transformer2DModel;
import org.sdj.model.blocks.Upsample2D;

/**
 * diffusers' {@code UpBlock2D}: {@code layers} resnets, each on its input concatenated with the next skip connection
 * (last in, first out), then an optional upsampler. {@link CrossAttnUpBlock2D} adds a transformer after each resnet.
 */
class UpBlock2D {
  private final List<ResnetBlock2D> resnets = new ArrayList<>();
  private final List<Transformer2DModel> attentions;
  private final Upsample2D upsampler;

  UpBlock2D(Weights w, long in, long prevOut, long out, int layers, boolean addUpsample, UNetBlockSettings s) {
    this(w, in, prevOut, out, layers, addUpsample, s, List.of());
  }

  /**
   * @param in channels of the down block this one mirrors (the width of its last skip connection)
   * @param prevOut channels coming from the block below
   */
  UpBlock2D(Weights w, long in, long prevOut, long out, int layers, boolean addUpsample, UNetBlockSettings s,
      List<Transformer2DModel> attentions) {
    for (int i = 0; i < layers; i++) {
      long skip = i == layers - 1 ? in : out;
      long resIn = i == 0 ? prevOut : out;
      resnets.add(new ResnetBlock2D(w.prefix("resnets." + i), resIn + skip, out, s.tembChannels(), s.groups(),
          s.eps(), 1f));
    }
    this.attentions = attentions;
    this.upsampler = addUpsample ? new Upsample2D(w.prefix("upsamplers.0"), out) : null;
  }

  /** How many skip connections the block consumes. */
  int skipCount() {
    return resnets.size();
  }

  /**
   * @param x {@code [N, prevOut, H, W]}
   * @param skips the skip connections; this block takes (and closes) the last {@link #skipCount()} of them
   * @param freeU FreeU's stage for this block, applied to each resnet's two inputs before they are joined; empty for
   *     none
   * @return {@code [N, out, H', W']}, upsampled to the size of the skip connection that remains last, if any
   */
  Tensor forward(Ops ops, Tensor x, Tensor siluTemb, EncoderHiddenStates context, List<Tensor> skips,
      Optional<FreeU.Stage> freeU) {
    Tensor h = x;
    for (int i = 0; i < resnets.size(); i++) {
      Tensor skip = skips.removeLast();
      if (freeU.isPresent()) {
        Tensor strengthened = freeU.get().backbone(ops, h);
        Tensor filtered = freeU.get().skip(ops, skip);
        skip.close();
        if (h != x) {
          h.close();
        }
        h = strengthened;
        skip = filtered;
      }
      Tensor cat = ops.concat(1, h, skip);
      skip.close();
      if (h != x) {
        h.close();
      }
      h = resnets.get(i).forward(ops, cat, siluTemb);
      cat.close();
      if (!attentions.isEmpty()) {
        Tensor a = attentions.get(i).forward(ops, h, context);
        h.close();
        h = a;
      }
    }
    if (upsampler != null) {
      Tensor target = skips.getLast();
      Tensor up = upsampler.forward(ops, h, target.dim(2), target.dim(3));
      h.close();
      h = up;
    }
    return h;
  }
}
