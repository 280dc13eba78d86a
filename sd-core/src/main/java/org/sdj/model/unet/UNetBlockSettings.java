package org.sdj.model.unet;

import org.sdj.io.model.UNet2DConditionConfig;

/**
 * Settings every block of one UNet shares, taken from its config.
 *
 * @param tembChannels width of the time embedding ({@code 4 * block_out_channels[0]})
 * @param groups {@code norm_num_groups}
 * @param eps {@code norm_eps}
 * @param useLinearProjection {@code use_linear_projection}
 */
record UNetBlockSettings(long tembChannels, int groups, float eps, boolean useLinearProjection) {

  static UNetBlockSettings of(UNet2DConditionConfig config) {
    return new UNetBlockSettings(config.timeEmbedDim(), config.normNumGroups(), (float) config.normEps(),
        config.useLinearProjection());
  }
}
