package org.sdj.model.nn;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;

/** torch's {@code nn.GroupNorm} with affine {@code weight, bias [C]}. */
public record GroupNorm(Tensor gamma, Tensor beta, int groups, float eps) {

  public static GroupNorm load(Weights w, long channels, int groups, float eps) {
    if (groups < 1 || channels % groups != 0) {
      w.problem(w.path() + ": " + channels + " channels cannot be split into " + groups + " groups");
    }
    return new GroupNorm(w.get("weight", channels), w.get("bias", channels), groups, eps);
  }

  /** Normalizes {@code x [N, C, ...]}. */
  public Tensor forward(Ops ops, Tensor x) {
    return ops.groupNorm(x, groups, gamma, beta, eps, false);
  }

  /** Normalizes {@code x [N, C, ...]} and applies SiLU, in one pass where the backend can. */
  public Tensor forwardSilu(Ops ops, Tensor x) {
    return ops.groupNorm(x, groups, gamma, beta, eps, true);
  }
}
