package org.sdj.model.nn;

import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;

/** torch's {@code nn.Conv2d} (groups 1): {@code weight [out, in, k, k]}, {@code bias [out]}. */
public record Conv2d(Tensor weight, Tensor bias, Conv2dParams params) {

  /** Loads a square {@code kernel} convolution with bias. */
  public static Conv2d load(Weights w, long in, long out, int kernel, Conv2dParams params) {
    return load(w, in, out, kernel, params, true);
  }

  /** Loads a square {@code kernel} convolution, with a bias where {@code bias} says ({@code bias=False} in torch). */
  public static Conv2d load(Weights w, long in, long out, int kernel, Conv2dParams params, boolean bias) {
    return new Conv2d(w.get("weight", out, in, kernel, kernel), bias ? w.get("bias", out) : null, params);
  }

  /** A {@code kernel} x {@code kernel} convolution, stride 1, padding that keeps the size. */
  public static Conv2d same(Weights w, long in, long out, int kernel) {
    return load(w, in, out, kernel, Conv2dParams.of(1, kernel / 2));
  }

  /** {@code x [N, in, H, W] -> [N, out, H', W']}. */
  public Tensor forward(Ops ops, Tensor x) {
    return ops.conv2d(x, weight, bias, params, null);
  }

  /** The convolution plus {@code residual}, shaped like the result. */
  public Tensor forward(Ops ops, Tensor x, Tensor residual) {
    return ops.conv2d(x, weight, bias, params, residual);
  }
}
