package org.sdj.io.lora;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.sdj.io.model.Component;
import org.sdj.io.safetensors.SafeTensor;

/**
 * A plain LoRA (or LoCon) layer: {@code (alpha / rank) * up @ down}, added without forming the product.
 *
 * @param down {@code [rank, in]}, or {@code [rank, in, kh, kw]} for a convolution
 * @param up {@code [out, rank]}, or {@code [out, rank, 1, 1]}
 * @param alpha the file's alpha for the layer; the rank where it has none (scale 1)
 */
record LowRankLayer(Component component, String module, SafeTensor down, SafeTensor up, double alpha)
    implements LoraLayer {

  long rank() {
    return down.shape()[0];
  }

  @Override
  public long out() {
    return up.shape()[0];
  }

  @Override
  public long in() {
    return Arrays.stream(down.shape()).skip(1).reduce(1, Math::multiplyExact);
  }

  @Override
  public void addTo(float[] weight, float strength) {
    int rank = (int) rank();
    int in = (int) in();
    float[] u = up.toFloatArray();
    float[] d = down.toFloatArray();
    float scale = (float) (strength * alpha / rank);
    IntStream.range(0, (int) out()).parallel().forEach(o -> {
      int row = o * in;
      for (int r = 0; r < rank; r++) {
        float ur = u[o * rank + r] * scale;
        int dr = r * in;
        for (int j = 0; j < in; j++) {
          weight[row + j] += ur * d[dr + j];
        }
      }
    });
  }
}
