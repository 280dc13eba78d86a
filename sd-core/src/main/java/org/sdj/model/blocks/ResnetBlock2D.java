package org.sdj.model.blocks;

import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.nn.GroupNorm;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code ResnetBlock2D} with the "default" time-embedding norm:
 * {@code conv2(silu(norm2(conv1(silu(norm1(x))) + time_emb_proj(silu(temb))))) + shortcut(x)}.
 */
public final class ResnetBlock2D {
  private final GroupNorm norm1;
  private final Conv2d conv1;
  private final Linear timeEmbProj;
  private final GroupNorm norm2;
  private final Conv2d conv2;
  private final Conv2d convShortcut;
  private final float outputScaleFactor;

  /**
   * @param tembChannels width of the time embedding, or 0 for none (the VAE)
   */
  public ResnetBlock2D(Weights w, long in, long out, long tembChannels, int groups, float eps,
      float outputScaleFactor) {
    this.norm1 = GroupNorm.load(w.prefix("norm1"), in, groups, eps);
    this.conv1 = Conv2d.same(w.prefix("conv1"), in, out, 3);
    this.timeEmbProj = tembChannels > 0 ? Linear.load(w.prefix("time_emb_proj"), tembChannels, out, true) : null;
    this.norm2 = GroupNorm.load(w.prefix("norm2"), out, groups, eps);
    this.conv2 = Conv2d.same(w.prefix("conv2"), out, out, 3);
    this.convShortcut = in != out ? Conv2d.load(w.prefix("conv_shortcut"), in, out, 1, Conv2dParams.of(1, 0)) : null;
    this.outputScaleFactor = outputScaleFactor;
  }

  /**
   * @param x {@code [N, in, H, W]}
   * @param siluTemb {@code silu(temb)} {@code [N, tembChannels]}, computed once per forward pass by the caller since
   *     every block applies the same activation to the same embedding; ignored when the block has no time embedding
   * @return {@code [N, out, H, W]}
   */
  public Tensor forward(Ops ops, Tensor x, Tensor siluTemb) {
    Tensor h = norm1.forwardSilu(ops, x);
    Tensor c1 = conv1.forward(ops, h);
    h.close();
    if (timeEmbProj != null) {
      Tensor t = timeEmbProj.forward(ops, siluTemb);
      Tensor withT = ops.addPerChannel(c1, t);
      t.close();
      c1.close();
      c1 = withT;
    }
    h = norm2.forwardSilu(ops, c1);
    c1.close();
    Tensor shortcut = convShortcut != null ? convShortcut.forward(ops, x) : x;
    Tensor out = conv2.forward(ops, h, shortcut);
    h.close();
    if (shortcut != x) {
      shortcut.close();
    }
    if (outputScaleFactor != 1f) {
      Tensor scaled = ops.scale(out, 1f / outputScaleFactor);
      out.close();
      out = scaled;
    }
    return out;
  }
}
