package org.sdj.io.model;

import java.nio.file.Path;
import java.util.List;

/**
 * The configuration of a diffusers {@code T2IAdapter} ({@code config.json}).
 *
 * @param inChannels {@code in_channels}: the control image's channels (3; 1 for a gray one)
 * @param channels {@code channels}: each block's width, one feature map per block
 * @param numResBlocks {@code num_res_blocks}: resnets per block
 * @param downscaleFactor {@code downscale_factor}: the pixel unshuffle's factor (8; 16 for SDXL's)
 * @param adapterType {@code adapter_type}
 */
public record T2IAdapterConfig(int inChannels, List<Integer> channels, int numResBlocks, int downscaleFactor,
    AdapterType adapterType) {

  /** diffusers' {@code adapter_type}s. */
  public enum AdapterType {
    /** {@code full_adapter}: SD 1.x and 2.x. */
    FULL("full_adapter"),
    /** {@code full_adapter_xl}: SDXL. */
    FULL_XL("full_adapter_xl"),
    /** {@code light_adapter}. */
    LIGHT("light_adapter");

    private final String configName;

    AdapterType(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }
  }

  public T2IAdapterConfig {
    channels = List.copyOf(channels);
  }

  /**
   * Reads and validates a T2I-Adapter's {@code config.json}.
   *
   * @throws ModelLoadException listing every problem in the file
   */
  public static T2IAdapterConfig read(Path configJson) {
    return ConfigReader.readOrThrow(configJson, "T2I-Adapter config", T2IAdapterConfig::from);
  }

  static T2IAdapterConfig from(ConfigReader c) {
    c.expectClass("T2IAdapter");
    String type = c.string("adapter_type", "full_adapter");
    AdapterType adapterType = AdapterType.FULL;
    boolean known = false;
    for (AdapterType t : AdapterType.values()) {
      if (t.configName.equals(type)) {
        adapterType = t;
        known = true;
      }
    }
    if (!known) {
      c.problem("unsupported adapter_type " + type + " (supported: full_adapter, full_adapter_xl, light_adapter)");
    }
    List<Integer> channels = c.integers("channels", List.of(320, 640, 1280, 1280));
    int minimum = adapterType == AdapterType.FULL_XL ? 3 : 1;
    if (channels.size() < minimum || channels.stream().anyMatch(w -> w < 1)) {
      c.problem("channels must be " + minimum + " or more positive widths, got " + channels);
    }
    if (adapterType == AdapterType.FULL_XL) {
      for (int i = 3; i < channels.size(); i++) {
        if (!channels.get(i).equals(channels.get(i - 1))) {
          c.problem("full_adapter_xl's blocks from the fourth keep their width, but channels are " + channels);
        }
      }
    }
    int resBlocks = c.integer("num_res_blocks", 2);
    int factor = c.integer("downscale_factor", adapterType == AdapterType.FULL_XL ? 16 : 8);
    int in = c.integer("in_channels", 3);
    if (resBlocks < 1 || factor < 1 || in < 1) {
      c.problem("num_res_blocks, downscale_factor and in_channels must be positive, got " + resBlocks + ", "
          + factor + " and " + in);
    }
    return new T2IAdapterConfig(in, channels, resBlocks, factor, adapterType);
  }

  /**
   * By how much the adapter shrinks the control image to its last feature map, diffusers' {@code
   * total_downscale_factor}: the picture's sides must be multiples of it.
   */
  public int totalDownscaleFactor() {
    return switch (adapterType) {
      case FULL -> downscaleFactor << (channels.size() - 1);
      case FULL_XL -> downscaleFactor * 2;
      case LIGHT -> downscaleFactor << channels.size();
    };
  }
}
