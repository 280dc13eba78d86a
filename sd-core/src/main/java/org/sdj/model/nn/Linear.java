package org.sdj.model.nn;

import java.util.List;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;

/** torch's {@code nn.Linear}: {@code weight [out, in]}, optional {@code bias [out]}. */
public record Linear(Tensor weight, Tensor bias) {

  /** Loads {@code weight} (and {@code bias} when {@code withBias}) from {@code w}. */
  public static Linear load(Weights w, long in, long out, boolean withBias) {
    return new Linear(w.get("weight", out, in), withBias ? w.get("bias", out) : null);
  }

  /**
   * The linears under {@code prefixes} (each {@code weight [out, in]}, optional {@code bias [out]}) as one of
   * {@code prefixes.size() * out} outputs, their outputs side by side in that order: {@link Weights#getStacked}.
   */
  public static Linear loadStacked(Weights w, List<String> prefixes, long in, long out, boolean withBias) {
    return new Linear(w.getStacked(prefixes.stream().map(p -> p + ".weight").toList(), out, in),
        withBias ? w.getStacked(prefixes.stream().map(p -> p + ".bias").toList(), out) : null);
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
