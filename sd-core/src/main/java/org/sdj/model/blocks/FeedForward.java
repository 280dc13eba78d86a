package org.sdj.model.blocks;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code FeedForward} with the GEGLU activation (the one Stable Diffusion's transformer blocks use):
 * {@code net.2(geglu(net.0.proj(x)))}, inner width {@code 4 * dim}.
 */
public final class FeedForward {
  private final Linear proj;
  private final Linear out;

  public FeedForward(Weights w, long dim) {
    long inner = 4 * dim;
    this.proj = Linear.load(w.prefix("net.0.proj"), dim, 2 * inner, true);
    this.out = Linear.load(w.prefix("net.2"), inner, dim, true);
  }

  /** {@code x [..., dim] -> [..., dim] + residual}. */
  public Tensor forward(Ops ops, Tensor x, Tensor residual) {
    Tensor p = proj.forward(ops, x);
    Tensor g = ops.geglu(p);
    p.close();
    Tensor y = out.forward(ops, g, residual);
    g.close();
    return y;
  }
}
