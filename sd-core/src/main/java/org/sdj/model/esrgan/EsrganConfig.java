package org.sdj.model.esrgan;

/**
 * The shape of an {@link RRDBNet}, read off its weights (ESRGAN files carry no config).
 *
 * @param inChannels {@code conv_first}'s input channels: 3 (a 4x network), 12 (2x: the picture pixel-unshuffled by 2)
 *     or 48 (1x: by 4)
 * @param outChannels {@code conv_last}'s output channels (3)
 * @param features {@code num_feat}, 64 in the published networks
 * @param growth {@code num_grow_ch}, 32 in the published networks
 * @param blocks the {@link RRDB}s in the trunk, 23 in most and 6 in Real-ESRGAN's anime network
 */
public record EsrganConfig(int inChannels, int outChannels, int features, int growth, int blocks) {
  public EsrganConfig {
    if (unshuffleOf(inChannels, outChannels) == 0) {
      throw new IllegalArgumentException("an ESRGAN network takes 3 channels, or 12 or 48 pixel-unshuffled: this one"
          + " takes " + inChannels + " and gives " + outChannels);
    }
    if (features < 1 || growth < 1 || blocks < 1) {
      throw new IllegalArgumentException("features, growth and blocks must be positive, got " + features + ", "
          + growth + ", " + blocks);
    }
  }

  /** The pixel-unshuffle factor of the network's input: 1 (none), 2 or 4. */
  public int unshuffle() {
    return unshuffleOf(inChannels, outChannels);
  }

  /** How much the network enlarges a picture: 4 over its unshuffle factor. */
  public int scale() {
    return 4 / unshuffle();
  }

  private static int unshuffleOf(int in, int out) {
    if (out < 1 || in % out != 0) {
      return 0;
    }
    return switch (in / out) {
      case 1 -> 1;
      case 4 -> 2;
      case 16 -> 4;
      default -> 0;
    };
  }
}
