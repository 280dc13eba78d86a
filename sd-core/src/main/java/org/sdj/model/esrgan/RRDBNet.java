package org.sdj.model.esrgan;

import org.sdj.backend.Activation;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.nn.Sequential;

/**
 * ESRGAN's generator, basicsr's {@code RRDBNet} (Real-ESRGAN x4plus and x2plus, 4x-UltraSharp and the other ESRGAN
 * upscalers A1111 runs): {@code conv_first}, a trunk of {@link RRDB}s {@code body.i} closed by {@code conv_body} and
 * added to its input, then two nearest 2x enlargements each followed by a convolution ({@code conv_up1},
 * {@code conv_up2}), {@code conv_hr} and {@code conv_last}, LeakyReLU(0.2) between them. The network enlarges 4x;
 * variants for 2x and 1x take their picture pixel-unshuffled by 2 or 4 ({@link EsrganConfig#unshuffle()}).
 */
public final class RRDBNet implements UpscalingNetwork {
  private final EsrganConfig config;
  private final Conv2d convFirst;
  private final Sequential body = new Sequential();
  private final Conv2d convBody;
  private final Conv2d convUp1;
  private final Conv2d convUp2;
  private final Conv2d convHr;
  private final Conv2d convLast;

  /** Builds the network on {@code w}, whose names are basicsr's ({@code body.0.rdb1.conv1.weight}). */
  public RRDBNet(EsrganConfig config, Weights w) {
    this.config = config;
    long f = config.features();
    this.convFirst = Conv2d.same(w.prefix("conv_first"), config.inChannels(), f, 3);
    for (int i = 0; i < config.blocks(); i++) {
      body.add(new RRDB(w.prefix("body").prefix(Integer.toString(i)), f, config.growth())::forward);
    }
    this.convBody = Conv2d.same(w.prefix("conv_body"), f, f, 3);
    this.convUp1 = Conv2d.same(w.prefix("conv_up1"), f, f, 3);
    this.convUp2 = Conv2d.same(w.prefix("conv_up2"), f, f, 3);
    this.convHr = Conv2d.same(w.prefix("conv_hr"), f, f, 3);
    this.convLast = Conv2d.same(w.prefix("conv_last"), f, config.outChannels(), 3);
  }

  public EsrganConfig config() {
    return config;
  }

  @Override
  public int scale() {
    return config.scale();
  }

  @Override
  public int unshuffle() {
    return config.unshuffle();
  }

  /**
   * {@code x [N, inChannels, h, w]} (a picture in [0, 1], pixel-unshuffled where the config says) {@code ->
   * [N, outChannels, 4h, 4w]}, not clamped.
   */
  @Override
  public Tensor forward(Ops ops, Tensor x) {
    Tensor feat = convFirst.forward(ops, x);
    Tensor h = body.forward(ops, feat);
    Tensor trunk = convBody.forward(ops, h, feat);
    if (h != feat) {
      h.close();
    }
    feat.close();
    Tensor up = enlarged(ops, trunk, convUp1);
    trunk.close();
    Tensor up2 = enlarged(ops, up, convUp2);
    up.close();
    Tensor hr = activated(ops, convHr.forward(ops, up2));
    up2.close();
    Tensor out = convLast.forward(ops, hr);
    hr.close();
    return out;
  }

  /** Nearest 2x, the convolution, LeakyReLU. */
  private static Tensor enlarged(Ops ops, Tensor x, Conv2d conv) {
    long[] s = x.shape();
    Tensor big = ops.upsampleNearest(x, s[2] * 2, s[3] * 2);
    Tensor out = activated(ops, conv.forward(ops, big));
    big.close();
    return out;
  }

  private static Tensor activated(Ops ops, Tensor x) {
    Tensor out = ops.activation(x, Activation.LEAKY_RELU);
    x.close();
    return out;
  }
}
