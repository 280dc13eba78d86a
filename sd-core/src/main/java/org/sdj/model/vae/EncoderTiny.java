package org.sdj.model.vae;

import java.util.List;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.AutoencoderTinyConfig;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.nn.Sequential;

/**
 * diffusers' {@code EncoderTiny}, TAESD's encoder: {@code layers.N} in the order of its {@code nn.Sequential}, each
 * stage a 3x3 convolution (the first from the picture, the others halving the size, without bias) and its
 * {@link AutoencoderTinyBlock}s, then a 3x3 convolution to the latents.
 */
final class EncoderTiny {
  private final Sequential layers = new Sequential();

  EncoderTiny(Weights w, AutoencoderTinyConfig config) {
    List<Integer> channels = config.encoderBlockOutChannels();
    long previous = config.inChannels();
    for (int i = 0; i < channels.size(); i++) {
      long width = channels.get(i);
      Weights at = w.prefix(Integer.toString(layers.size()));
      layers.add((i == 0 ? Conv2d.same(at, previous, width, 3)
          : Conv2d.load(at, width, width, 3, Conv2dParams.of(2, 1), false))::forward);
      for (int b = 0; b < config.numEncoderBlocks().get(i); b++) {
        layers.add(new AutoencoderTinyBlock(w.prefix(Integer.toString(layers.size())), width, width)::forward);
      }
      previous = width;
    }
    layers.add(Conv2d.same(w.prefix(Integer.toString(layers.size())), previous, config.latentChannels(), 3)::forward);
  }

  /**
   * {@code [N, in_channels, H, W]} in [0, 1] (TAESD's range; diffusers' {@code EncoderTiny.forward} takes [-1, 1] and
   * maps it there first) {@code -> [N, latent_channels, H / f, W / f]}.
   */
  Tensor forward(Ops ops, Tensor x) {
    return layers.forward(ops, x);
  }
}
