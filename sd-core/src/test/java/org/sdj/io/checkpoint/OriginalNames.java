package org.sdj.io.checkpoint;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The test's own diffusers-to-original renaming, written arithmetically the way diffusers' conversion script numbers
 * blocks (uniform {@code layers_per_block}), independent of the tables in the main code, so that a round trip through
 * both checks the main mapping rather than itself.
 */
final class OriginalNames {
  private static final Map<String, String> UNET_TOP = Map.of(
      "conv_in", "input_blocks.0.0", "time_embedding.linear_1", "time_embed.0",
      "time_embedding.linear_2", "time_embed.2", "conv_norm_out", "out.0", "conv_out", "out.2",
      "add_embedding.linear_1", "label_emb.0.0", "add_embedding.linear_2", "label_emb.0.2");
  private static final Map<String, String> UNET_RESNET = Map.of(
      "norm1", "in_layers.0", "conv1", "in_layers.2", "time_emb_proj", "emb_layers.1", "norm2", "out_layers.0",
      "conv2", "out_layers.3", "conv_shortcut", "skip_connection");

  private final int layers;
  private final int blocks;
  private final List<Boolean> upAttention;

  /**
   * @param layers the UNet's (and the VAE's, see {@link #vae}) layers per block
   * @param blocks number of UNet down blocks
   * @param upAttention whether each UNet up block has attentions
   */
  OriginalNames(int layers, int blocks, List<Boolean> upAttention) {
    this.layers = layers;
    this.blocks = blocks;
    this.upAttention = upAttention;
  }

  String unet(String name) {
    return "model.diffusion_model." + unetInner(name);
  }

  private String unetInner(String name) {
    Matcher m;
    int dot = name.lastIndexOf('.');
    if (UNET_TOP.containsKey(name.substring(0, dot))) {
      return UNET_TOP.get(name.substring(0, dot)) + name.substring(dot);
    }
    if ((m = match("down_blocks\\.(\\d+)\\.resnets\\.(\\d+)\\.(\\w+)\\.(\\w+)", name)) != null) {
      return "input_blocks." + (1 + num(m, 1) * (layers + 1) + num(m, 2)) + ".0." + UNET_RESNET.get(m.group(3)) + "."
          + m.group(4);
    }
    if ((m = match("down_blocks\\.(\\d+)\\.attentions\\.(\\d+)\\.(.+)", name)) != null) {
      return "input_blocks." + (1 + num(m, 1) * (layers + 1) + num(m, 2)) + ".1." + m.group(3);
    }
    if ((m = match("down_blocks\\.(\\d+)\\.downsamplers\\.0\\.conv\\.(\\w+)", name)) != null) {
      return "input_blocks." + ((num(m, 1) + 1) * (layers + 1)) + ".0.op." + m.group(2);
    }
    if ((m = match("mid_block\\.resnets\\.(\\d+)\\.(\\w+)\\.(\\w+)", name)) != null) {
      return "middle_block." + (2 * num(m, 1)) + "." + UNET_RESNET.get(m.group(2)) + "." + m.group(3);
    }
    if ((m = match("mid_block\\.attentions\\.0\\.(.+)", name)) != null) {
      return "middle_block.1." + m.group(1);
    }
    if ((m = match("up_blocks\\.(\\d+)\\.resnets\\.(\\d+)\\.(\\w+)\\.(\\w+)", name)) != null) {
      return "output_blocks." + (num(m, 1) * (layers + 1) + num(m, 2)) + ".0." + UNET_RESNET.get(m.group(3)) + "."
          + m.group(4);
    }
    if ((m = match("up_blocks\\.(\\d+)\\.attentions\\.(\\d+)\\.(.+)", name)) != null) {
      return "output_blocks." + (num(m, 1) * (layers + 1) + num(m, 2)) + ".1." + m.group(3);
    }
    if ((m = match("up_blocks\\.(\\d+)\\.upsamplers\\.0\\.conv\\.(\\w+)", name)) != null) {
      int u = num(m, 1);
      return "output_blocks." + (u * (layers + 1) + layers) + "." + (upAttention.get(u) ? 2 : 1) + ".conv."
          + m.group(2);
    }
    throw new IllegalArgumentException("no original name for UNet weight " + name);
  }

  /** The VAE name; {@code vaeBlocks} and {@code vaeLayers} describe the VAE. */
  static String vae(String name, int vaeBlocks) {
    String n = name.replace("conv_norm_out", "norm_out").replace("conv_shortcut", "nin_shortcut");
    Matcher m;
    if ((m = match("(encoder|decoder)\\.mid_block\\.resnets\\.(\\d+)\\.(.+)", n)) != null) {
      n = m.group(1) + ".mid.block_" + (num(m, 2) + 1) + "." + m.group(3);
    } else if ((m = match("(encoder|decoder)\\.mid_block\\.attentions\\.0\\.(.+)", n)) != null) {
      String leaf = m.group(2).replace("group_norm", "norm").replace("to_q", "q").replace("to_k", "k")
          .replace("to_v", "v").replace("to_out.0", "proj_out");
      n = m.group(1) + ".mid.attn_1." + leaf;
    } else if ((m = match("encoder\\.down_blocks\\.(\\d+)\\.resnets\\.(.+)", n)) != null) {
      n = "encoder.down." + m.group(1) + ".block." + m.group(2);
    } else if ((m = match("encoder\\.down_blocks\\.(\\d+)\\.downsamplers\\.0\\.(.+)", n)) != null) {
      n = "encoder.down." + m.group(1) + ".downsample." + m.group(2);
    } else if ((m = match("decoder\\.up_blocks\\.(\\d+)\\.resnets\\.(.+)", n)) != null) {
      n = "decoder.up." + (vaeBlocks - 1 - num(m, 1)) + ".block." + m.group(2);
    } else if ((m = match("decoder\\.up_blocks\\.(\\d+)\\.upsamplers\\.0\\.(.+)", n)) != null) {
      n = "decoder.up." + (vaeBlocks - 1 - num(m, 1)) + ".upsample." + m.group(2);
    }
    return "first_stage_model." + n;
  }

  /** Whether the VAE weight is a mid-block attention projection, stored as a 1x1 convolution. */
  static boolean vaeConvWeight(String name) {
    return name.matches(".*mid_block\\.attentions\\.0\\.(to_q|to_k|to_v|to_out\\.0)\\.weight");
  }

  /** SD 1.x CLIP, with or without the inner {@code text_model.}. */
  static String clip(String name, boolean innerTextModel) {
    return "cond_stage_model.transformer." + (innerTextModel ? name : name.substring("text_model.".length()));
  }

  private static Matcher match(String regex, String name) {
    Matcher m = Pattern.compile(regex).matcher(name);
    return m.matches() ? m : null;
  }

  private static int num(Matcher m, int group) {
    return Integer.parseInt(m.group(group));
  }
}
