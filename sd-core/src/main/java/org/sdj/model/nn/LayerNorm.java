package org.sdj.model.nn;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;

/** torch's {@code nn.LayerNorm} over the last dimension, with affine {@code weight, bias [D]}. */
public record LayerNorm(Tensor gamma, Tensor beta, float eps) {

  public static LayerNorm load(Weights w, long dim, float eps) {
    return new LayerNorm(w.get("weight", dim), w.get("bias", dim), eps);
  }

  /** Normalizes {@code x [..., D]}. */
  public Tensor forward(Ops ops, Tensor x) {
    return ops.layerNorm(x, gamma, beta, eps);
  }
}
