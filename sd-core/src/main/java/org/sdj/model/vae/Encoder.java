package org.sdj.model.vae;

import java.util.ArrayList;
import java.util.List;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.blocks.Downsample2D;
import org.sdj.model.blocks.ResnetBlock2D;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.nn.GroupNorm;

/**
 * diffusers' VAE {@code Encoder}: {@code conv_in}, {@code DownEncoderBlock2D}s (resnets, then a bottom/right padded
 * stride-2 downsampler except in the last), the mid block, group norm + SiLU, {@code conv_out} to the latent
 * distribution's mean and log-variance ({@code 2 * latentChannels}).
 */
final class Encoder {
  private static final float EPS = 1e-6f;

  private final Conv2d convIn;
  private final List<List<ResnetBlock2D>> resnets = new ArrayList<>();
  private final List<Downsample2D> downsamplers = new ArrayList<>();
  private final UNetMidBlock2D mid;
  private final GroupNorm normOut;
  private final Conv2d convOut;

  Encoder(Weights w, long inChannels, long latentChannels, long[] blockOut, int layersPerBlock, int groups,
      boolean midAttention) {
    this.convIn = Conv2d.same(w.prefix("conv_in"), inChannels, blockOut[0], 3);
    long prev = blockOut[0];
    for (int b = 0; b < blockOut.length; b++) {
      Weights block = w.prefix("down_blocks." + b);
      List<ResnetBlock2D> list = new ArrayList<>();
      for (int i = 0; i < layersPerBlock; i++) {
        list.add(new ResnetBlock2D(block.prefix("resnets." + i), i == 0 ? prev : blockOut[b], blockOut[b], 0, groups,
            EPS, 1f));
      }
      resnets.add(list);
      boolean last = b == blockOut.length - 1;
      downsamplers.add(last ? null : new Downsample2D(block.prefix("downsamplers.0"), blockOut[b], 0));
      prev = blockOut[b];
    }
    long top = blockOut[blockOut.length - 1];
    this.mid = new UNetMidBlock2D(w.prefix("mid_block"), top, groups, EPS, midAttention);
    this.normOut = GroupNorm.load(w.prefix("conv_norm_out"), top, groups, EPS);
    this.convOut = Conv2d.same(w.prefix("conv_out"), top, 2 * latentChannels, 3);
  }

  /** {@code [N, inChannels, H, W] -> [N, 2 * latentChannels, H / f, W / f]}. */
  Tensor forward(Ops ops, Tensor x) {
    Tensor h = convIn.forward(ops, x);
    for (int b = 0; b < resnets.size(); b++) {
      for (ResnetBlock2D r : resnets.get(b)) {
        Tensor next = r.forward(ops, h, null);
        h.close();
        h = next;
      }
      if (downsamplers.get(b) != null) {
        Tensor next = downsamplers.get(b).forward(ops, h);
        h.close();
        h = next;
      }
    }
    Tensor m = mid.forward(ops, h);
    h.close();
    Tensor n = normOut.forwardSilu(ops, m);
    m.close();
    Tensor out = convOut.forward(ops, n);
    n.close();
    return out;
  }
}
