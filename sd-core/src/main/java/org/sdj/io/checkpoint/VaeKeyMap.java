package org.sdj.io.checkpoint;

import java.util.Map;
import java.util.Set;
import org.sdj.io.model.AutoencoderKLConfig;

/**
 * The VAE of the original layout ({@code AutoencoderKL} of taming / ldm): {@code down.N.block.M} and
 * {@code down.N.downsample}, {@code up.N} numbered from the lowest resolution (the reverse of diffusers'
 * {@code up_blocks}), {@code mid.block_1/attn_1/block_2}, {@code norm_out}, and an attention whose q/k/v/proj_out are
 * 1x1 convolutions.
 */
final class VaeKeyMap {
  private static final Map<String, String> RESNET = Map.of("conv_shortcut", "nin_shortcut");
  private static final Map<String, String> ATTENTION = Map.of(
      "group_norm", "norm",
      "to_q", "q",
      "to_k", "k",
      "to_v", "v",
      "to_out.0", "proj_out");
  private static final Set<String> CONV_WEIGHTS =
      Set.of("to_q.weight", "to_k.weight", "to_v.weight", "to_out.0.weight");

  private VaeKeyMap() {}

  /** The map for a VAE of {@code config}; weights under {@code prefix} ({@code first_stage_model.}). */
  static KeyMap of(AutoencoderKLConfig config, String prefix) {
    PrefixTable table = new PrefixTable(prefix)
        .block("quant_conv.", "quant_conv.")
        .block("post_quant_conv.", "post_quant_conv.");
    for (String coder : new String[] {"encoder.", "decoder."}) {
      table.block(coder + "conv_in.", coder + "conv_in.")
          .block(coder + "conv_out.", coder + "conv_out.")
          .block(coder + "conv_norm_out.", coder + "norm_out.")
          .block(coder + "mid_block.resnets.0.", coder + "mid.block_1.", RESNET, Set.of())
          .block(coder + "mid_block.resnets.1.", coder + "mid.block_2.", RESNET, Set.of())
          .block(coder + "mid_block.attentions.0.", coder + "mid.attn_1.", ATTENTION, CONV_WEIGHTS);
    }
    int blocks = config.blockOutChannels().size();
    for (int b = 0; b < blocks; b++) {
      for (int j = 0; j < config.layersPerBlock() + 1; j++) {
        if (j < config.layersPerBlock()) {
          table.block("encoder.down_blocks." + b + ".resnets." + j + ".", "encoder.down." + b + ".block." + j + ".",
              RESNET, Set.of());
        }
        table.block("decoder.up_blocks." + b + ".resnets." + j + ".",
            "decoder.up." + (blocks - 1 - b) + ".block." + j + ".", RESNET, Set.of());
      }
      if (b < blocks - 1) {
        table.block("encoder.down_blocks." + b + ".downsamplers.0.conv.", "encoder.down." + b + ".downsample.conv.")
            .block("decoder.up_blocks." + b + ".upsamplers.0.conv.",
                "decoder.up." + (blocks - 1 - b) + ".upsample.conv.");
      }
    }
    return table;
  }
}
