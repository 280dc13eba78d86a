package org.sdj.io.model;

import java.nio.file.Path;
import java.util.List;

/**
 * The configuration of a diffusers {@code ControlNetModel} ({@code config.json}): the UNet keys of the encoder it
 * copies, and its own.
 *
 * @param unet the UNet keys ({@code block_out_channels}, {@code down_block_types}, ...), with diffusers' defaults
 * @param conditioningChannels {@code conditioning_channels}: the control image's channels (3)
 * @param conditioningEmbeddingOutChannels {@code conditioning_embedding_out_channels} ({@code [16, 32, 96, 256]}):
 *     the widths of the control image's encoder, each after the first at half the resolution
 * @param bgr whether the control image is read in BGR order ({@code controlnet_conditioning_channel_order "bgr"})
 */
public record ControlNetConfig(UNet2DConditionConfig unet, int conditioningChannels,
    List<Integer> conditioningEmbeddingOutChannels, boolean bgr) {
  static final String CLASS_NAME = "ControlNetModel";

  public ControlNetConfig {
    conditioningEmbeddingOutChannels = List.copyOf(conditioningEmbeddingOutChannels);
  }

  /**
   * Reads and validates a ControlNet's {@code config.json}.
   *
   * @throws ModelLoadException listing every problem in the file
   */
  public static ControlNetConfig read(Path configJson) {
    return ConfigReader.readOrThrow(configJson, "ControlNet config", ControlNetConfig::from);
  }

  static ControlNetConfig from(ConfigReader c) {
    UNet2DConditionConfig unet = UNet2DConditionConfig.from(c, CLASS_NAME);
    String order = c.string("controlnet_conditioning_channel_order", "rgb");
    if (!order.equals("rgb") && !order.equals("bgr")) {
      c.problem("controlnet_conditioning_channel_order must be rgb or bgr, not " + order);
    }
    if (c.bool("global_pool_conditions", false)) {
      c.problem("unsupported global_pool_conditions true (the shuffle ControlNet's pooled residuals)");
    }
    List<Integer> widths = c.integers("conditioning_embedding_out_channels", List.of(16, 32, 96, 256));
    if (widths.isEmpty()) {
      c.problem("conditioning_embedding_out_channels must not be empty");
    }
    return new ControlNetConfig(unet, c.integer("conditioning_channels", 3), widths, order.equals("bgr"));
  }

  /** By how much the control image's encoder shrinks it: 2 for each width after the first. */
  public int downscaleFactor() {
    return 1 << Math.max(conditioningEmbeddingOutChannels.size() - 1, 0);
  }
}
