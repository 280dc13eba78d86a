package org.sdj.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.T2IAdapterConfig;
import org.sdj.model.nn.PixelUnshuffle;

/**
 * The T2I-Adapters' feature maps for one denoising loop, made once before its first step as diffusers' adapter
 * pipelines make them: the adapter runs on its control image, each map is multiplied by the scale and repeated for
 * every row of the UNet's batch (both halves of classifier-free guidance see the same).
 */
final class AdapterFeatures {
  private AdapterFeatures() {}

  /**
   * Each adapter's feature maps, {@code [rows, channels[i], ...]}.
   *
   * @param height the picture's height in pixels, and {@code width} its width
   */
  static List<List<Tensor>> of(Ops ops, List<AdapterInput> adapters, int rows, int height, int width, DType type) {
    List<List<Tensor>> all = new ArrayList<>();
    for (AdapterInput adapter : adapters) {
      T2IAdapterConfig config = adapter.model().config();
      int factor = config.downscaleFactor();
      int channels = config.inChannels();
      float[] unshuffled = PixelUnshuffle.apply(adapter.image(), 1, channels, height, width, factor);
      List<Tensor> maps;
      try (Tensor input = ops.fromHost(unshuffled, type, 1, (long) channels * factor * factor, height / factor,
          width / factor)) {
        maps = adapter.model().forward(ops, input);
      }
      List<Tensor> repeated = new ArrayList<>();
      for (Tensor map : maps) {
        Tensor scaled = ops.scale(map, (float) adapter.scale());
        map.close();
        Tensor out = scaled;
        for (int r = 1; r < rows; r++) {
          Tensor longer = ops.concat(0, out, scaled);
          if (out != scaled) {
            out.close();
          }
          out = longer;
        }
        if (out != scaled) {
          scaled.close();
        }
        repeated.add(out);
      }
      all.add(repeated);
    }
    return all;
  }
}
