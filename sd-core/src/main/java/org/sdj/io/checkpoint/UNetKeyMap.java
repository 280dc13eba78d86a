package org.sdj.io.checkpoint;

import java.util.Map;
import java.util.Set;
import org.sdj.io.model.UNet2DConditionConfig;

/**
 * The UNet of the original layout ({@code openaimodel.UNetModel}): one flat list of {@code input_blocks} (conv_in,
 * then per down block its resnet[+attention] layers and its downsampler {@code op}), the {@code middle_block}
 * (resnet, attention, resnet) and {@code output_blocks} (per up block its resnet[+attention] layers, the last one also
 * holding the upsampler {@code conv}), with {@code time_embed.0/2} and {@code out.0/2} around them.
 */
final class UNetKeyMap {
  private static final Map<String, String> RESNET = Map.of(
      "norm1", "in_layers.0",
      "conv1", "in_layers.2",
      "time_emb_proj", "emb_layers.1",
      "norm2", "out_layers.0",
      "conv2", "out_layers.3",
      "conv_shortcut", "skip_connection");

  private UNetKeyMap() {}

  /** The map for a UNet of {@code config}; weights under {@code model.diffusion_model.}. */
  static KeyMap of(UNet2DConditionConfig config) {
    return table(config, CheckpointLayout.UNET);
  }

  /**
   * The table for a UNet of {@code config} whose weights are under {@code prefix}: a ControlNet's encoder half
   * ({@link ControlNetFile}) adds its own blocks to it.
   */
  static PrefixTable table(UNet2DConditionConfig config, String prefix) {
    PrefixTable table = new PrefixTable(prefix)
        .block("conv_in.", "input_blocks.0.0.")
        .block("time_embedding.linear_1.", "time_embed.0.")
        .block("time_embedding.linear_2.", "time_embed.2.")
        // SDXL's add_embedding (a UNet without it asks for none of these).
        .block("add_embedding.linear_1.", "label_emb.0.0.")
        .block("add_embedding.linear_2.", "label_emb.0.2.")
        .block("conv_norm_out.", "out.0.")
        .block("conv_out.", "out.2.")
        .block("mid_block.resnets.0.", "middle_block.0.", RESNET, Set.of())
        .block("mid_block.attentions.0.", "middle_block.1.")
        .block("mid_block.resnets.1.", "middle_block.2.", RESNET, Set.of());
    int blocks = config.blockCount();
    int input = 1;
    for (int b = 0; b < blocks; b++) {
      boolean attention = hasAttention(config.downBlockTypes().get(b));
      for (int j = 0; j < config.layersPerBlock(b); j++, input++) {
        table.block("down_blocks." + b + ".resnets." + j + ".", "input_blocks." + input + ".0.", RESNET, Set.of());
        if (attention) {
          table.block("down_blocks." + b + ".attentions." + j + ".", "input_blocks." + input + ".1.");
        }
      }
      if (b < blocks - 1) {
        table.block("down_blocks." + b + ".downsamplers.0.conv.", "input_blocks." + input + ".0.op.");
        input++;
      }
    }
    int output = 0;
    for (int u = 0; u < blocks; u++) {
      boolean attention = hasAttention(config.upBlockTypes().get(u));
      int layers = config.layersPerBlock(blocks - 1 - u) + 1;
      for (int j = 0; j < layers; j++, output++) {
        table.block("up_blocks." + u + ".resnets." + j + ".", "output_blocks." + output + ".0.", RESNET, Set.of());
        if (attention) {
          table.block("up_blocks." + u + ".attentions." + j + ".", "output_blocks." + output + ".1.");
        }
        if (j == layers - 1 && u < blocks - 1) {
          // The upsampler follows the resnet, and the attention when the block has one.
          table.block("up_blocks." + u + ".upsamplers.0.conv.",
              "output_blocks." + output + "." + (attention ? 2 : 1) + ".conv.");
        }
      }
    }
    return table;
  }

  private static boolean hasAttention(String blockType) {
    return blockType.startsWith("CrossAttn");
  }
}
