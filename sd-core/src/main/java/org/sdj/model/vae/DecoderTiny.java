package org.sdj.model.vae;

import java.util.List;
import org.sdj.backend.Activation;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.AutoencoderTinyConfig;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.nn.Sequential;

/**
 * diffusers' {@code DecoderTiny}, TAESD's decoder: the latents bounded by {@code 3 tanh(x / 3)}, then {@code layers.N}
 * in the order of its {@code nn.Sequential}: a 3x3 convolution and a ReLU, then each stage's
 * {@link AutoencoderTinyBlock}s, a nearest-neighbour enlargement (all stages but the last) and a 3x3 convolution
 * without bias (the last stage's, to the picture, with bias).
 */
final class DecoderTiny {
  /** TAESD's {@code Clamp}: {@code tanh(x / LATENT_BOUND) * LATENT_BOUND}. */
  private static final float LATENT_BOUND = 3;

  private final Sequential layers = new Sequential();

  DecoderTiny(Weights w, AutoencoderTinyConfig config) {
    List<Integer> channels = config.decoderBlockOutChannels();
    layers.add(Conv2d.same(w.prefix("0"), config.latentChannels(), channels.get(0), 3)::forward);
    layers.add((ops, x) -> ops.activation(x, Activation.RELU));
    int factor = config.upsamplingScalingFactor();
    for (int i = 0; i < channels.size(); i++) {
      long width = channels.get(i);
      for (int b = 0; b < config.numDecoderBlocks().get(i); b++) {
        layers.add(new AutoencoderTinyBlock(w.prefix(Integer.toString(layers.size())), width, width)::forward);
      }
      boolean last = i == channels.size() - 1;
      if (!last) {
        layers.add((ops, x) -> ops.upsampleNearest(x, x.shape()[2] * factor, x.shape()[3] * factor));
      }
      layers.add(Conv2d.load(w.prefix(Integer.toString(layers.size())), width, last ? config.outChannels() : width,
          3, Conv2dParams.of(1, 1), last)::forward);
    }
  }

  /**
   * {@code [N, latent_channels, h, w] -> [N, out_channels, h * f, w * f]}, in about [0, 1] (TAESD's range; diffusers'
   * {@code DecoderTiny.forward} maps it to [-1, 1] last).
   */
  Tensor forward(Ops ops, Tensor latents) {
    Tensor shrunk = ops.scale(latents, 1 / LATENT_BOUND);
    Tensor bounded = ops.activation(shrunk, Activation.TANH);
    shrunk.close();
    Tensor x = ops.scale(bounded, LATENT_BOUND);
    bounded.close();
    Tensor out = layers.forward(ops, x);
    x.close();
    return out;
  }
}
