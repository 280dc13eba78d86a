package org.sdj.model.unet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.blocks.EncoderHiddenStates;
import org.sdj.model.Weights;
import org.sdj.model.blocks.Downsample2D;
import org.sdj.model.blocks.ResnetBlock2D;
import org.sdj.model.blocks.Transformer2DModel;

/**
 * diffusers' {@code DownBlock2D}: {@code layers} resnets, then an optional stride-2 downsampler; every intermediate
 * output is kept as a skip connection for the up path. {@link CrossAttnDownBlock2D} adds a transformer after each
 * resnet.
 */
class DownBlock2D {
  private final List<ResnetBlock2D> resnets = new ArrayList<>();
  private final List<Transformer2DModel> attentions;
  private final Downsample2D downsampler;

  DownBlock2D(Weights w, long in, long out, int layers, boolean addDownsample, int downsamplePadding,
      UNetBlockSettings s) {
    this(w, in, out, layers, addDownsample, downsamplePadding, s, List.of());
  }

  DownBlock2D(Weights w, long in, long out, int layers, boolean addDownsample, int downsamplePadding,
      UNetBlockSettings s, List<Transformer2DModel> attentions) {
    for (int i = 0; i < layers; i++) {
      resnets.add(new ResnetBlock2D(w.prefix("resnets." + i), i == 0 ? in : out, out, s.tembChannels(), s.groups(),
          s.eps(), 1f));
    }
    this.attentions = attentions;
    this.downsampler = addDownsample ? new Downsample2D(w.prefix("downsamplers.0"), out, downsamplePadding) : null;
  }

  /**
   * @param x {@code [N, in, H, W]}
   * @param skips receives the output of every resnet (or transformer) and of the downsampler, in order
   * @return the block's output, which is also the last entry of {@code skips}
   */
  Tensor forward(Ops ops, Tensor x, Tensor siluTemb, EncoderHiddenStates context, List<Tensor> skips) {
    return forward(ops, x, siluTemb, context, skips, Optional.empty());
  }

  /**
   * {@link #forward(Ops, Tensor, Tensor, EncoderHiddenStates, List)} with a T2I-Adapter's feature map added where
   * diffusers adds it: after the last transformer of a cross-attention block (so its skip and its downsampler see
   * it), after the whole of any other block (its output, which is also its last skip).
   */
  Tensor forward(Ops ops, Tensor x, Tensor siluTemb, EncoderHiddenStates context, List<Tensor> skips,
      Optional<Tensor> adapterFeature) {
    Tensor h = x;
    for (int i = 0; i < resnets.size(); i++) {
      h = resnets.get(i).forward(ops, h, siluTemb);
      if (!attentions.isEmpty()) {
        Tensor a = attentions.get(i).forward(ops, h, context);
        h.close();
        h = a;
        if (i == resnets.size() - 1 && adapterFeature.isPresent()) {
          h = withFeature(ops, h, adapterFeature.get());
        }
      }
      skips.add(h);
    }
    if (downsampler != null) {
      h = downsampler.forward(ops, h);
      skips.add(h);
    }
    if (attentions.isEmpty() && adapterFeature.isPresent()) {
      h = withFeature(ops, h, adapterFeature.get());
      skips.set(skips.size() - 1, h);
    }
    return h;
  }

  /** {@code h + feature}, closing {@code h}. */
  static Tensor withFeature(Ops ops, Tensor h, Tensor feature) {
    if (!Arrays.equals(h.shape(), feature.shape())) {
      throw new IllegalArgumentException("a T2I-Adapter feature map of shape " + Arrays.toString(feature.shape())
          + " meets the UNet's " + Arrays.toString(h.shape()) + ": an adapter for another model?");
    }
    Tensor sum = ops.add(h, feature);
    h.close();
    return sum;
  }
}
