package org.sdj.model.vae;

import java.util.ArrayList;
import java.util.List;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.blocks.ResnetBlock2D;
import org.sdj.model.blocks.Upsample2D;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.nn.GroupNorm;

/**
 * diffusers' VAE {@code Decoder}: {@code conv_in}, the mid block, {@code UpDecoderBlock2D}s (resnets, then a 2x
 * upsampler except in the last), group norm + SiLU, {@code conv_out} to the image.
 */
final class Decoder {
  private static final float EPS = 1e-6f;

  private final Conv2d convIn;
  private final UNetMidBlock2D mid;
  private final List<List<ResnetBlock2D>> resnets = new ArrayList<>();
  private final List<Upsample2D> upsamplers = new ArrayList<>();
  private final GroupNorm normOut;
  private final Conv2d convOut;

  Decoder(Weights w, long latentChannels, long outChannels, long[] blockOut, int layersPerBlock, int groups,
      boolean midAttention) {
    long top = blockOut[blockOut.length - 1];
    this.convIn = Conv2d.same(w.prefix("conv_in"), latentChannels, top, 3);
    this.mid = new UNetMidBlock2D(w.prefix("mid_block"), top, groups, EPS, midAttention);
    long prev = top;
    for (int b = 0; b < blockOut.length; b++) {
      long out = blockOut[blockOut.length - 1 - b];
      Weights block = w.prefix("up_blocks." + b);
      List<ResnetBlock2D> list = new ArrayList<>();
      for (int i = 0; i <= layersPerBlock; i++) {
        list.add(new ResnetBlock2D(block.prefix("resnets." + i), i == 0 ? prev : out, out, 0, groups, EPS, 1f));
      }
      resnets.add(list);
      boolean last = b == blockOut.length - 1;
      upsamplers.add(last ? null : new Upsample2D(block.prefix("upsamplers.0"), out));
      prev = out;
    }
    this.normOut = GroupNorm.load(w.prefix("conv_norm_out"), blockOut[0], groups, EPS);
    this.convOut = Conv2d.same(w.prefix("conv_out"), blockOut[0], outChannels, 3);
  }

  /** {@code [N, latentChannels, h, w] -> [N, outChannels, h * f, w * f]}. */
  Tensor forward(Ops ops, Tensor z) {
    Tensor c = convIn.forward(ops, z);
    Tensor h = mid.forward(ops, c);
    c.close();
    for (int b = 0; b < resnets.size(); b++) {
      for (ResnetBlock2D r : resnets.get(b)) {
        Tensor next = r.forward(ops, h, null);
        h.close();
        h = next;
      }
      if (upsamplers.get(b) != null) {
        Tensor next = upsamplers.get(b).forward(ops, h, 2 * h.dim(2), 2 * h.dim(3));
        h.close();
        h = next;
      }
    }
    Tensor n = normOut.forwardSilu(ops, h);
    h.close();
    Tensor out = convOut.forward(ops, n);
    n.close();
    return out;
  }
}
