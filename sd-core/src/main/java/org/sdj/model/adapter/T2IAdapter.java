package org.sdj.model.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.T2IAdapterConfig;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.nn.PixelUnshuffle;

/**
 * diffusers' {@code T2IAdapter} with its {@code FullAdapter}, {@code FullAdapterXL} or {@code LightAdapter} (under
 * {@code adapter.}): a small convolutional network that turns a control image into one feature map per block, which
 * the UNet adds inside its down blocks ({@code down_intrablock_additional_residuals}). Immutable; runs once per
 * picture.
 */
public final class T2IAdapter {
  private final T2IAdapterConfig config;
  /** The full adapters' 3x3 {@code conv_in} after the pixel unshuffle; the light adapter has none. */
  private final Optional<Conv2d> convIn;
  private final List<AdapterBlock> body = new ArrayList<>();

  /** Builds the adapter {@code config} describes from {@code w}; missing or misshapen weights become problems. */
  public T2IAdapter(T2IAdapterConfig config, Weights w) {
    this.config = config;
    Weights a = w.prefix("adapter");
    List<Integer> ch = config.channels();
    long unshuffled = (long) config.inChannels() * config.downscaleFactor() * config.downscaleFactor();
    int res = config.numResBlocks();
    switch (config.adapterType()) {
      case FULL -> {
        convIn = Optional.of(Conv2d.same(a.prefix("conv_in"), unshuffled, ch.get(0), 3));
        for (int i = 0; i < ch.size(); i++) {
          body.add(AdapterBlock.full(a.prefix("body." + i), ch.get(Math.max(i - 1, 0)), ch.get(i), res, i > 0));
        }
      }
      case FULL_XL -> {
        convIn = Optional.of(Conv2d.same(a.prefix("conv_in"), unshuffled, ch.get(0), 3));
        for (int i = 0; i < ch.size(); i++) {
          // diffusers' FullAdapterXL: the second block widens, the third widens and halves, the others keep.
          long in = i == 1 || i == 2 ? ch.get(i - 1) : ch.get(i);
          body.add(AdapterBlock.full(a.prefix("body." + i), in, ch.get(i), res, i == 2));
        }
      }
      case LIGHT -> {
        convIn = Optional.empty();
        for (int i = 0; i <= ch.size(); i++) {
          long in = i == 0 ? unshuffled : ch.get(i - 1);
          long out = ch.get(Math.min(i, ch.size() - 1));
          body.add(AdapterBlock.light(a.prefix("body." + i), in, out, res, i > 0));
        }
      }
      default -> throw new IllegalStateException(config.adapterType().toString());
    }
  }

  public T2IAdapterConfig config() {
    return config;
  }

  /** The widths of the feature maps {@link #forward} gives, in order. */
  public List<Integer> featureWidths() {
    List<Integer> widths = new ArrayList<>(config.channels());
    if (config.adapterType() == T2IAdapterConfig.AdapterType.LIGHT) {
      widths.add(widths.getLast());
    }
    return widths;
  }

  /** By how much the first feature map is smaller than the control image (no block before it pools). */
  public int firstFeatureFactor() {
    return config.downscaleFactor();
  }

  /**
   * The feature maps of a pixel-unshuffled control image ({@link PixelUnshuffle#apply} of values in [0, 1]).
   *
   * @param unshuffled {@code [N, in_channels f^2, H / f, W / f]}
   * @return one {@code [N, channels[i], ...]} per block, each at half the previous side where its block pools
   */
  public List<Tensor> forward(Ops ops, Tensor unshuffled) {
    Tensor x = convIn.isPresent() ? convIn.get().forward(ops, unshuffled) : unshuffled;
    List<Tensor> features = new ArrayList<>();
    for (AdapterBlock block : body) {
      Tensor next = block.forward(ops, x);
      if (features.isEmpty() && x != unshuffled) {
        x.close();
      }
      features.add(next);
      x = next;
    }
    return features;
  }
}
