package org.sdj.model.nn;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;

/** torch's {@code nn.Linear}: {@code weight [out, in]}, optional {@code bias [out]}. */
public record Linear(Tensor weight, Tensor bias) {

  /** Loads {@code weight} (and {@code bias} when {@code withBias}) from {@code w}. */
  public static Linear load(Weights w, long in, long out, boolean withBias) {
    return new Linear(w.get("weight", out, in), withBias ? w.get("bias", out) : null);
  }

  /** {@code x [..., in] -> [..., out]}. */
  public Tensor forward(Ops ops, Tensor x) {
    return ops.linear(x, weight, bias, null);
  }

  /** {@code x [..., in] -> [..., out] + residual}. */
  public Tensor forward(Ops ops, Tensor x, Tensor residual) {
    return ops.linear(x, weight, bias, residual);
  }
}
