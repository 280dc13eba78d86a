package org.sdj.io.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The configuration of a diffusers {@code AutoencoderKL} ({@code vae/config.json}), with diffusers' defaults for
 * absent keys.
 *
 * @param scalingFactor latents are multiplied by it after encoding and divided by it before decoding
 * @param shiftFactor subtracted before scaling (SD3/Flux VAEs); empty for Stable Diffusion 1.x/2.x/XL
 * @param latentsMean per-channel latent mean, empty if not given
 * @param latentsStd per-channel latent standard deviation, empty if not given
 * @param forceUpcast whether diffusers runs this VAE in float32 even when the pipeline is in float16
 */
public record AutoencoderKLConfig(
    int inChannels,
    int outChannels,
    List<String> downBlockTypes,
    List<String> upBlockTypes,
    List<Integer> blockOutChannels,
    int layersPerBlock,
    String actFn,
    int latentChannels,
    int normNumGroups,
    int sampleSize,
    double scalingFactor,
    OptionalDouble shiftFactor,
    List<Double> latentsMean,
    List<Double> latentsStd,
    boolean forceUpcast,
    boolean useQuantConv,
    boolean usePostQuantConv,
    boolean midBlockAddAttention) {

  static final String CLASS_NAME = "AutoencoderKL";

  public AutoencoderKLConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    blockOutChannels = List.copyOf(blockOutChannels);
    latentsMean = List.copyOf(latentsMean);
    latentsStd = List.copyOf(latentsStd);
  }

  /**
   * Reads and validates a {@code config.json}.
   *
   * @throws ModelLoadException listing every problem in the file
   */
  public static AutoencoderKLConfig read(Path configJson) {
    return ConfigReader.readOrThrow(configJson, "VAE config", AutoencoderKLConfig::from);
  }

  static AutoencoderKLConfig from(ConfigReader c) {
    c.expectClass(CLASS_NAME);
    List<String> down = c.strings("down_block_types", List.of("DownEncoderBlock2D"));
    List<String> up = c.strings("up_block_types", List.of("UpDecoderBlock2D"));
    List<Integer> channels = c.integers("block_out_channels", List.of(64));
    if (down.size() != channels.size() || up.size() != channels.size()) {
      c.problem("down_block_types (" + down.size() + "), up_block_types (" + up.size() + ") and block_out_channels ("
          + channels.size() + ") must have the same length");
    }
    return new AutoencoderKLConfig(
        c.integer("in_channels", 3),
        c.integer("out_channels", 3),
        down,
        up,
        channels,
        c.integer("layers_per_block", 1),
        c.string("act_fn", "silu"),
        c.integer("latent_channels", 4),
        c.integer("norm_num_groups", 32),
        c.integer("sample_size", 32),
        c.number("scaling_factor", 0.18215),
        c.optionalNumber("shift_factor"),
        c.optionalNumbers("latents_mean"),
        c.optionalNumbers("latents_std"),
        c.bool("force_upcast", true),
        c.bool("use_quant_conv", true),
        c.bool("use_post_quant_conv", true),
        c.bool("mid_block_add_attention", true));
  }

  /** How many times smaller the latents are than the image in each dimension: 2^(blocks - 1), 8 for SD. */
  public int downscaleFactor() {
    return 1 << (blockOutChannels.size() - 1);
  }
}
