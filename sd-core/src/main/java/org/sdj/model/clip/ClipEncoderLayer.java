package org.sdj.model.clip;

import org.sdj.backend.Activation;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.LayerNorm;
import org.sdj.model.nn.Linear;

/**
 * transformers' {@code CLIPEncoderLayer}: pre-norm self-attention ({@code self_attn.{q,k,v,out}_proj}), causal in the
 * text encoder only, and a two-layer MLP ({@code mlp.fc1}, {@code mlp.fc2}), each added back.
 */
final class ClipEncoderLayer {
  private final LayerNorm layerNorm1;
  private final Linear qProj;
  private final Linear kProj;
  private final Linear vProj;
  private final Linear outProj;
  private final LayerNorm layerNorm2;
  private final Linear fc1;
  private final Linear fc2;
  private final int heads;
  private final float scale;
  private final Activation activation;
  private final boolean causal;

  /** @param causal whether each token sees only those before it (the text encoder) or all of them (the vision one) */
  ClipEncoderLayer(
      Weights w, long hidden, long intermediate, int heads, float eps, Activation activation, boolean causal) {
    this.layerNorm1 = LayerNorm.load(w.prefix("layer_norm1"), hidden, eps);
    this.qProj = Linear.load(w.prefix("self_attn.q_proj"), hidden, hidden, true);
    this.kProj = Linear.load(w.prefix("self_attn.k_proj"), hidden, hidden, true);
    this.vProj = Linear.load(w.prefix("self_attn.v_proj"), hidden, hidden, true);
    this.outProj = Linear.load(w.prefix("self_attn.out_proj"), hidden, hidden, true);
    this.layerNorm2 = LayerNorm.load(w.prefix("layer_norm2"), hidden, eps);
    this.fc1 = Linear.load(w.prefix("mlp.fc1"), hidden, intermediate, true);
    this.fc2 = Linear.load(w.prefix("mlp.fc2"), intermediate, hidden, true);
    this.heads = heads;
    this.scale = (float) (1.0 / Math.sqrt((double) hidden / heads));
    this.activation = activation;
    this.causal = causal;
  }

  /** {@code [B, L, hidden] -> [B, L, hidden]}. */
  Tensor forward(Ops ops, Tensor x) {
    Tensor n = layerNorm1.forward(ops, x);
    Tensor q = qProj.forward(ops, n);
    Tensor k = kProj.forward(ops, n);
    Tensor v = vProj.forward(ops, n);
    n.close();
    Tensor a = ops.attention(q, k, v, heads, scale, causal);
    q.close();
    k.close();
    v.close();
    Tensor h = outProj.forward(ops, a, x);
    a.close();
    n = layerNorm2.forward(ops, h);
    Tensor f = fc1.forward(ops, n);
    n.close();
    Tensor act = ops.activation(f, activation);
    f.close();
    Tensor out = fc2.forward(ops, act, h);
    act.close();
    h.close();
    return out;
  }
}
