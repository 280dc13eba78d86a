package org.sdj.io.model;

import java.nio.file.Path;
import java.util.List;

/**
 * The configuration of a diffusers {@code AutoencoderTiny} (TAESD, {@code madebyollin/taesd}'s {@code config.json}),
 * with diffusers' defaults for absent keys: the published TAESD for SD 1.x/2.x and SDXL has them all.
 *
 * @param encoderBlockOutChannels each encoder stage's channels (diffusers chains the stages, so all are equal)
 * @param numEncoderBlocks each encoder stage's {@code AutoencoderTinyBlock}s, after its convolution
 * @param numDecoderBlocks each decoder stage's blocks, before its upsampling and convolution
 * @param upsamplingScalingFactor how much each decoder stage but the last enlarges (nearest neighbours)
 * @param scalingFactor latents are multiplied by it after encoding and divided by it before decoding (1: TAESD reads
 *     the UNet's latents as they are)
 */
public record AutoencoderTinyConfig(
    int inChannels,
    int outChannels,
    List<Integer> encoderBlockOutChannels,
    List<Integer> decoderBlockOutChannels,
    int latentChannels,
    int upsamplingScalingFactor,
    List<Integer> numEncoderBlocks,
    List<Integer> numDecoderBlocks,
    double scalingFactor) {

  static final String CLASS_NAME = "AutoencoderTiny";

  public AutoencoderTinyConfig {
    encoderBlockOutChannels = List.copyOf(encoderBlockOutChannels);
    decoderBlockOutChannels = List.copyOf(decoderBlockOutChannels);
    numEncoderBlocks = List.copyOf(numEncoderBlocks);
    numDecoderBlocks = List.copyOf(numDecoderBlocks);
  }

  /**
   * The published TAESD's configuration (diffusers' defaults: four stages of {@code width} channels, 64) for latents
   * of {@code latentChannels}.
   */
  public static AutoencoderTinyConfig published(int latentChannels, int width) {
    List<Integer> widths = List.of(width, width, width, width);
    return new AutoencoderTinyConfig(3, 3, widths, widths, latentChannels, 2, List.of(1, 3, 3, 3),
        List.of(3, 3, 3, 1), 1.0);
  }

  /**
   * Reads and validates a {@code config.json}.
   *
   * @throws ModelLoadException listing every problem in the file
   */
  public static AutoencoderTinyConfig read(Path configJson) {
    return ConfigReader.readOrThrow(configJson, "tiny autoencoder config", AutoencoderTinyConfig::from);
  }

  static AutoencoderTinyConfig from(ConfigReader c) {
    c.expectClass(CLASS_NAME);
    AutoencoderTinyConfig d = published(4, 64);
    List<Integer> encoder = c.integers("encoder_block_out_channels", d.encoderBlockOutChannels());
    List<Integer> decoder = c.integers("decoder_block_out_channels", d.decoderBlockOutChannels());
    List<Integer> encoderBlocks = c.integers("num_encoder_blocks", d.numEncoderBlocks());
    List<Integer> decoderBlocks = c.integers("num_decoder_blocks", d.numDecoderBlocks());
    if (encoder.size() != encoderBlocks.size() || encoder.isEmpty()) {
      c.problem("encoder_block_out_channels (" + encoder.size() + ") and num_encoder_blocks (" + encoderBlocks.size()
          + ") must have the same length, at least 1");
    }
    if (decoder.size() != decoderBlocks.size() || decoder.isEmpty()) {
      c.problem("decoder_block_out_channels (" + decoder.size() + ") and num_decoder_blocks (" + decoderBlocks.size()
          + ") must have the same length, at least 1");
    }
    // diffusers' EncoderTiny and DecoderTiny feed each stage the previous one's output at the stage's own width.
    if (encoder.stream().distinct().count() > 1 || decoder.stream().distinct().count() > 1) {
      c.problem("encoder_block_out_channels " + encoder + " and decoder_block_out_channels " + decoder
          + " must each repeat one width: the stages are chained");
    }
    String act = c.string("act_fn", "relu");
    if (!"relu".equals(act)) {
      c.problem("unsupported act_fn " + act + " (supported: relu)");
    }
    String upsample = c.string("upsample_fn", "nearest");
    if (!"nearest".equals(upsample)) {
      c.problem("unsupported upsample_fn " + upsample + " (supported: nearest)");
    }
    int factor = c.integer("upsampling_scaling_factor", 2);
    if (factor < 1) {
      c.problem("upsampling_scaling_factor must be at least 1, not " + factor);
    }
    return new AutoencoderTinyConfig(c.integer("in_channels", 3), c.integer("out_channels", 3), encoder, decoder,
        c.integer("latent_channels", 4), factor, encoderBlocks, decoderBlocks, c.number("scaling_factor", 1.0));
  }

  /**
   * How many times smaller the latents are than the picture along each side: the decoder's enlargement,
   * {@code upsampling_scaling_factor^(stages - 1)} (8 for TAESD); the encoder's halvings must agree.
   */
  public int downscaleFactor() {
    int f = 1;
    for (int i = 1; i < decoderBlockOutChannels.size(); i++) {
      f *= upsamplingScalingFactor;
    }
    return f;
  }
}
