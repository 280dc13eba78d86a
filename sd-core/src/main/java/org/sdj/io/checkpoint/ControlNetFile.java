package org.sdj.io.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sdj.io.model.ControlNetConfig;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.io.safetensors.TensorSource;

/**
 * A ControlNet in the original (lllyasviel's {@code cldm}) single-file layout, as AUTOMATIC1111 users have them:
 * {@code control_v11p_sd15_canny.pth} or {@code .safetensors}, its weights bare or under {@code control_model.}. Such
 * a file has no config: the ControlNet copies the UNet it was made for, whose config it takes, and its control image
 * encoder's widths are read from {@code input_hint_block}'s shapes. The UNet's blocks are named as in a checkpoint's
 * UNet ({@code input_blocks}, {@code middle_block}, {@code time_embed}), the ControlNet's own as {@code zero_convs.i.0}
 * ({@code controlnet_down_blocks.i}), {@code middle_block_out.0} ({@code controlnet_mid_block}) and
 * {@code input_hint_block.k} ({@code controlnet_cond_embedding}: conv_in, blocks, conv_out), as diffusers'
 * {@code convert_controlnet_checkpoint} maps them.
 */
public final class ControlNetFile {
  private static final String PREFIX = "control_model.";
  private static final String HINT = "input_hint_block.";

  private ControlNetFile() {}

  /**
   * An opened ControlNet file: its config and its weights under diffusers' names, views of the file's tensors, which
   * {@link #close()} unmaps.
   *
   * @param config the configuration read from the file and the UNet's
   * @param weights diffusers-named views of the file's tensors
   * @param file the file's tensors
   */
  public record Opened(ControlNetConfig config, TensorSource weights, TensorSource file) implements AutoCloseable {
    @Override
    public void close() {
      file.close();
    }
  }

  /**
   * Opens {@code file} ({@code .safetensors}, or {@code .pth}/{@code .ckpt} read without running code from it) as a
   * ControlNet for a UNet of {@code unet}.
   *
   * @throws ModelLoadException if the file is not a ControlNet in this layout, or not one for this UNet (weights
   *     missing or misshapen)
   */
  public static Opened open(Path file, UNet2DConditionConfig unet) {
    TensorSource tensors = SingleFileCheckpoint.openTensors(file);
    try {
      return map(tensors, file, unet);
    } catch (RuntimeException e) {
      tensors.close();
      throw e;
    }
  }

  private static Opened map(TensorSource tensors, Path location, UNet2DConditionConfig unet) {
    String prefix = tensors.names().stream().anyMatch(n -> n.startsWith(PREFIX)) ? PREFIX : "";
    String context = "Cannot load the ControlNet " + location;
    if (!tensors.contains(prefix + HINT + "0.weight") || !tensors.contains(prefix + "zero_convs.0.0.weight")) {
      throw new ModelLoadException(context, List.of("it has no " + prefix + HINT + "0.weight or zero_convs.0.0.weight:"
          + " not a ControlNet in the original single-file layout (or a diffusers folder's file without its"
          + " config.json: give the folder)"));
    }
    List<Integer> hints = new ArrayList<>();
    for (int k = 0; tensors.contains(prefix + HINT + k + ".weight"); k += 2) {
      hints.add(k);
    }
    if (hints.size() < 2 || hints.size() % 2 != 0) {
      throw new ModelLoadException(context, List.of(HINT + "* has " + hints.size() + " convolutions: a conv_in, pairs"
          + " of blocks and a conv_out were expected"));
    }
    // conv_in, then (same width, stride 2) pairs, then conv_out: the widths are conv_in's and each pair's second's.
    List<Integer> widths = new ArrayList<>();
    widths.add(Math.toIntExact(tensors.get(prefix + HINT + "0.weight").shape()[0]));
    for (int i = 2; i < hints.size() - 1; i += 2) {
      widths.add(Math.toIntExact(tensors.get(prefix + HINT + hints.get(i) + ".weight").shape()[0]));
    }
    int channels = Math.toIntExact(tensors.get(prefix + HINT + "0.weight").shape()[1]);
    ControlNetConfig config = new ControlNetConfig(unet, channels, widths, false);
    PrefixTable table = UNetKeyMap.table(unet, prefix)
        .block("controlnet_mid_block.", "middle_block_out.0.")
        .block("controlnet_cond_embedding.conv_in.", HINT + "0.")
        .block("controlnet_cond_embedding.conv_out.", HINT + hints.getLast() + ".");
    for (int i = 1; i < hints.size() - 1; i++) {
      table.block("controlnet_cond_embedding.blocks." + (i - 1) + ".", HINT + hints.get(i) + ".");
    }
    for (int i = 0; tensors.contains(prefix + "zero_convs." + i + ".0.weight"); i++) {
      table.block("controlnet_down_blocks." + i + ".", "zero_convs." + i + ".0.");
    }
    return new Opened(config, CheckpointMapping.controlNet(tensors, location, config, table), tensors);
  }
}
