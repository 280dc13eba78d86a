package org.sdj.io.checkpoint;

import java.util.Optional;
import java.util.function.Function;
import org.sdj.io.model.UNet2DConditionConfig;

/**
 * The original (CompVis, single-file) name of a diffusers module, for files that name layers the original way: LoRAs
 * keyed {@code lora_unet_input_blocks_1_1_proj_in} rather than {@code lora_unet_down_blocks_0_attentions_0_proj_in},
 * both of which AUTOMATIC1111 reads.
 */
public final class OriginalModuleNames {
  private OriginalModuleNames() {}

  /**
   * For a UNet of {@code config}: a diffusers weight's name ({@code down_blocks.0.attentions.0.proj_in.weight}) to its
   * module's original name without the checkpoint prefix ({@code input_blocks.1.1.proj_in}); empty where the original
   * layout has no such weight.
   */
  public static Function<String, Optional<String>> unet(UNet2DConditionConfig config) {
    KeyMap map;
    try {
      map = UNetKeyMap.of(config);
    } catch (RuntimeException e) {
      return name -> Optional.empty();   // a UNet the original layout does not describe: no original names
    }
    return name -> map.locate(name).map(SourceKey::name)
        .filter(n -> n.startsWith(CheckpointLayout.UNET) && n.endsWith(".weight"))
        .map(n -> n.substring(CheckpointLayout.UNET.length(), n.length() - ".weight".length()));
  }
}
