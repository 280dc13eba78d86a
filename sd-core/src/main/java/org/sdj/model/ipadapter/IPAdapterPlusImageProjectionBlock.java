package org.sdj.model.ipadapter;

import org.sdj.backend.Activation;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.blocks.Attention;
import org.sdj.model.nn.LayerNorm;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code IPAdapterPlusImageProjectionBlock}, one layer of IP-Adapter Plus's resampler (a perceiver): the
 * latent queries attend to the image's tokens and to themselves ({@code attn} over {@code ln0(x)} then
 * {@code ln1(latents)}), then a pre-normed GELU feed-forward without biases ({@code ff.0}, {@code ff.1.net.0.proj},
 * {@code ff.1.net.2}), each added back.
 */
final class IPAdapterPlusImageProjectionBlock {
  private static final float NORM_EPS = 1e-5f;
  private static final long DIM_HEAD = 64;
  private static final long FFN_RATIO = 4;

  private final LayerNorm ln0;
  private final LayerNorm ln1;
  private final Attention attn;
  private final LayerNorm ffNorm;
  private final Linear ffIn;
  private final Linear ffOut;

  IPAdapterPlusImageProjectionBlock(Weights w, long dim) {
    this.ln0 = LayerNorm.load(w.prefix("ln0"), dim, NORM_EPS);
    this.ln1 = LayerNorm.load(w.prefix("ln1"), dim, NORM_EPS);
    this.attn = Attention.cross(w.prefix("attn"), dim, dim, Math.toIntExact(dim / DIM_HEAD), DIM_HEAD, false);
    this.ffNorm = LayerNorm.load(w.prefix("ff.0"), dim, NORM_EPS);
    this.ffIn = Linear.load(w.prefix("ff.1.net.0.proj"), dim, FFN_RATIO * dim, false);
    this.ffOut = Linear.load(w.prefix("ff.1.net.2"), FFN_RATIO * dim, dim, false);
  }

  /**
   * @param x the image's tokens {@code [B, P, dim]}, after {@code proj_in}
   * @param latents the queries {@code [B, Q, dim]}
   * @return the next queries {@code [B, Q, dim]}
   */
  Tensor forward(Ops ops, Tensor x, Tensor latents) {
    Tensor image = ln0.forward(ops, x);
    Tensor queries = ln1.forward(ops, latents);
    Tensor context = ops.concat(1, image, queries);
    image.close();
    Tensor attended = attn.forward(ops, queries, context, latents);
    queries.close();
    context.close();
    Tensor n = ffNorm.forward(ops, attended);
    Tensor wide = ffIn.forward(ops, n);
    n.close();
    Tensor activated = ops.activation(wide, Activation.GELU);
    wide.close();
    Tensor out = ffOut.forward(ops, activated, attended);
    activated.close();
    attended.close();
    return out;
  }
}
