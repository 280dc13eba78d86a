package org.sdj.model.esrgan;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;

/**
 * Real-ESRGAN's compact network, {@code SRVGGNetCompact} ({@code realesr-general-x4v3}, {@code
 * realesr-animevideov3}, A1111's "R-ESRGAN General 4xV3" and "AnimeVideo"): a plain chain {@code body.0 .. body.2k}
 * of 3x3 convolutions, each but the last followed by a PReLU with a slope per channel ({@code body.1}, {@code body.3},
 * ...), the last making {@code 3 s^2} channels that a pixel shuffle turns into the picture at {@code s} times the size,
 * to which the input enlarged by nearest neighbours is added.
 */
public final class SRVGGNetCompact implements UpscalingNetwork {
  private final Conv2d[] convs;
  private final Tensor[] slopes;
  private final int scale;

  /**
   * @param features the convolutions' width ({@code num_feat}, 64 in the published networks)
   * @param convs the convolutions between the first and the last ({@code num_conv}: 32 in general-x4v3, 16 in
   *     animevideov3)
   * @param scale how much it enlarges ({@code upscale})
   */
  public SRVGGNetCompact(Weights w, int features, int convs, int scale) {
    this.scale = scale;
    this.convs = new Conv2d[convs + 2];
    this.slopes = new Tensor[convs + 1];
    for (int i = 0; i < this.convs.length; i++) {
      long in = i == 0 ? 3 : features;
      long out = i == this.convs.length - 1 ? 3L * scale * scale : features;
      this.convs[i] = Conv2d.same(w.prefix("body").prefix(Integer.toString(2 * i)), in, out, 3);
      if (i < slopes.length) {
        slopes[i] = w.prefix("body").prefix(Integer.toString(2 * i + 1)).get("weight", features);
      }
    }
  }

  @Override
  public int scale() {
    return scale;
  }

  @Override
  public int unshuffle() {
    return 1;
  }

  /** {@code x [N, 3, H, W] -> [N, 3 s^2, H, W]}, the last convolution's output (before the pixel shuffle). */
  @Override
  public Tensor forward(Ops ops, Tensor x) {
    Tensor h = x;
    for (int i = 0; i < convs.length; i++) {
      Tensor next = convs[i].forward(ops, h);
      if (h != x) {
        h.close();
      }
      if (i < slopes.length) {
        Tensor activated = ops.prelu(next, slopes[i]);
        next.close();
        next = activated;
      }
      h = next;
    }
    return h;
  }

  /** The pixel shuffle of {@code output} plus {@code picture} enlarged by nearest neighbours. */
  @Override
  public float[] finish(float[] output, float[] picture, int height, int width) {
    int s = scale;
    int bigHeight = height * s;
    int bigWidth = width * s;
    int images = picture.length / (3 * height * width);
    float[] out = new float[images * 3 * bigHeight * bigWidth];
    for (int n = 0; n < images; n++) {
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < bigHeight; y++) {
          for (int x = 0; x < bigWidth; x++) {
            // torch's PixelShuffle: channel c s^2 + (y % s) s + (x % s) at (y / s, x / s).
            int from = (((n * 3 + c) * s * s + (y % s) * s + x % s) * height + y / s) * width + x / s;
            float base = picture[((n * 3 + c) * height + y / s) * width + x / s];
            out[((n * 3 + c) * bigHeight + y) * bigWidth + x] = output[from] + base;
          }
        }
      }
    }
    return out;
  }
}
