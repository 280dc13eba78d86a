package org.sdj.model.nn;

import java.lang.foreign.MemorySegment;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;
import org.sdj.backend.WeightFloats;

/**
 * torch's {@code AvgPool2d(kernel_size=2, stride=2)} on even sides, as a stride-2 convolution whose {@code [C, C, 2,
 * 2]} kernel averages each channel's 2x2 window alone. The T2I-Adapters pool a few times per picture, not per step,
 * so its {@code C^2} cost buys the one operation every backend already has.
 */
public final class AvgPool2d {
  private AvgPool2d() {}

  /**
   * {@code [N, C, H, W] -> [N, C, H / 2, W / 2]}.
   *
   * @throws IllegalArgumentException for an odd side
   */
  public static Tensor halve(Ops ops, Tensor x) {
    long channels = x.dim(1);
    if (x.dim(2) % 2 != 0 || x.dim(3) % 2 != 0) {
      throw new IllegalArgumentException("a 2x2 average pool here takes even sides, got " + x.dim(2) + "x"
          + x.dim(3));
    }
    int c = Math.toIntExact(channels);
    float[] kernel = new float[Math.multiplyExact(c * c, 4)];
    for (int i = 0; i < c; i++) {
      for (int k = 0; k < 4; k++) {
        kernel[(i * c + i) * 4 + k] = 0.25f;
      }
    }
    // As the backend holds a model's weights, so that its convolution takes them as it takes any other.
    try (Tensor weight = weight(ops, kernel, channels, channels, 2, 2);
        Tensor bias = weight(ops, new float[c], channels)) {
      return ops.conv2d(x, weight, bias, Conv2dParams.of(2, 0), null);
    }
  }

  private static Tensor weight(Ops ops, float[] values, long... shape) {
    return ops.backend().weight(new WeightData("avg_pool", DType.F32, shape,
        MemorySegment.ofArray(WeightFloats.encode(DType.F32, values))));
  }
}
