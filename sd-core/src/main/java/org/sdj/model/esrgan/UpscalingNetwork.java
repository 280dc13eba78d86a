package org.sdj.model.esrgan;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * A network that enlarges a picture ({@code [N, 3, H, W]} in [0, 1]): ESRGAN's {@link RRDBNet} or Real-ESRGAN's
 * {@link SRVGGNetCompact}. The backend runs {@link #forward}; {@link #finish} completes the result on the host.
 */
public sealed interface UpscalingNetwork permits RRDBNet, SRVGGNetCompact {
  /** How much it enlarges a picture. */
  int scale();

  /** The pixel-unshuffle factor its input takes first (1: none). */
  int unshuffle();

  /** The backend's part: {@code x [N, 3 u^2, H / u, W / u]} (pixel-unshuffled by {@link #unshuffle()}) to its output. */
  Tensor forward(Ops ops, Tensor x);

  /**
   * The result {@code [N, 3, sH, sW]} from {@link #forward}'s output on the host, where the network ends there; the
   * output itself by default.
   *
   * @param picture the picture {@code [N, 3, height, width]} before any unshuffle
   */
  default float[] finish(float[] output, float[] picture, int height, int width) {
    return output;
  }
}
