package org.sdj.model.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.AvgPool2d;
import org.sdj.model.nn.Conv2d;

/**
 * diffusers' {@code AdapterBlock} and {@code LightAdapterBlock}: an optional 2x2 average pool, a 1x1 {@code in_conv}
 * where the width changes (always in the light adapter's, to a quarter of the output width), the resnets, and in the
 * light adapter's a 1x1 {@code out_conv} back to the output width.
 */
final class AdapterBlock {
  private final boolean down;
  private final Optional<Conv2d> inConv;
  private final List<AdapterResnetBlock> resnets = new ArrayList<>();
  private final Optional<Conv2d> outConv;

  /** A full adapter's block: {@code in -> out}. */
  static AdapterBlock full(Weights w, long in, long out, int resBlocks, boolean down) {
    return new AdapterBlock(w, in, out, out, resBlocks, down, 1, false);
  }

  /** A light adapter's block: {@code in -> out / 4 -> out}. */
  static AdapterBlock light(Weights w, long in, long out, int resBlocks, boolean down) {
    return new AdapterBlock(w, in, out / 4, out, resBlocks, down, 3, true);
  }

  private AdapterBlock(Weights w, long in, long mid, long out, int resBlocks, boolean down, int resnetKernel,
      boolean light) {
    this.down = down;
    this.inConv = light || in != mid ? Optional.of(Conv2d.same(w.prefix("in_conv"), in, mid, 1)) : Optional.empty();
    for (int i = 0; i < resBlocks; i++) {
      resnets.add(new AdapterResnetBlock(w.prefix("resnets." + i), mid, resnetKernel));
    }
    this.outConv = light ? Optional.of(Conv2d.same(w.prefix("out_conv"), mid, out, 1)) : Optional.empty();
  }

  /** {@code [N, in, H, W] -> [N, out, H', W']} ({@code H' = H / 2} where the block pools). */
  Tensor forward(Ops ops, Tensor x) {
    Tensor h = down ? AvgPool2d.halve(ops, x) : x;
    if (inConv.isPresent()) {
      h = replace(h, inConv.get().forward(ops, h), x);
    }
    for (AdapterResnetBlock resnet : resnets) {
      h = replace(h, resnet.forward(ops, h), x);
    }
    if (outConv.isPresent()) {
      h = replace(h, outConv.get().forward(ops, h), x);
    }
    return h;
  }

  /** {@code next}, closing {@code previous} unless it is the block's input, which the caller owns. */
  private static Tensor replace(Tensor previous, Tensor next, Tensor input) {
    if (previous != input) {
      previous.close();
    }
    return next;
  }
}
