package org.sdj.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.DType;
import org.sdj.backend.Tensor;

/** A 3x3 convolution with bias at the UNet's first level ({@code [2, 320, 64, 64] -> 320}), F16 weights. */
public class ConvBenchmark extends BackendBenchmark {
  /** {@code N x C x H x W x O x k}. */
  @Param({"2x320x64x64x320x3"})
  public String conv;

  private Tensor x;
  private Tensor w;
  private Tensor bias;
  private Conv2dParams params;

  @Setup(Level.Trial)
  public void setup() {
    open();
    long[] d = java.util.Arrays.stream(conv.split("x")).mapToLong(Long::parseLong).toArray();
    x = RandomWeights.activation(ops, 1, d[0], d[1], d[2], d[3]);
    w = RandomWeights.weight(opened, arena, DType.F16, 2, d[4], d[1], d[5], d[5]);
    bias = RandomWeights.weight(opened, arena, DType.F16, 3, d[4]);
    params = Conv2dParams.of(1, (int) d[5] / 2);
  }

  @Benchmark
  public void conv2d() {
    ops.conv2d(x, w, bias, params, null).close();
  }
}
