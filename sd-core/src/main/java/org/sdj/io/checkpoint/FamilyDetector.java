package org.sdj.io.checkpoint;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.sdj.io.model.ModelLoadException;

/**
 * Tells the published architecture of a single-file checkpoint from its tensor names and shapes, as diffusers'
 * {@code infer_diffusers_model_type} does: the width of the cross-attention keys in the UNet's first attention
 * ({@code input_blocks.2.1...attn2.to_k}) is 768 for SD 1.x and 1024 for SD 2.x. SD 2.x 512-base and 768-v have the
 * same shapes; like diffusers, an SD 2.x file is taken as 768-v unless its metadata has the {@code global_step} of the
 * 512 base release (875000, diffusers' legacy heuristic) or the caller names the family. A UNet of 9 input channels
 * is an inpainting model of its family (stable-diffusion-inpainting, stable-diffusion-2-inpainting: the SD 2.x one is
 * the 512 base's, so it is taken as such). SDXL checkpoints are told by their second text encoder
 * ({@code conditioner.embedders.1.model.}), SDXL's refiner by its only one, OpenCLIP bigG in the first place
 * ({@code conditioner.embedders.0.model.}).
 */
final class FamilyDetector {
  static final String CONV_IN = "input_blocks.0.0.weight";
  static final String CROSS_ATTENTION_KEYS = "input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight";
  /** The first attention's {@code proj_in}: {@code input_blocks.1.1} in SD 1.x/2.x, later where blocks have none. */
  private static final int MAX_INPUT_BLOCK = 12;
  private static final String SD2_BASE_GLOBAL_STEP = "875000";

  /**
   * @param family the published architecture
   * @param linearProjection whether the UNet's attention projections are linear (2-D {@code proj_in}), as in SD 2.x,
   *     rather than 1x1 convolutions
   * @param unetInChannels the UNet's input channels: 4, or 9 for an inpainting model (latents, mask, masked image)
   */
  record Detection(ModelFamily family, boolean linearProjection, int unetInChannels) {}

  /** The UNet input channels of the published text-to-image models and of their inpainting twins. */
  private static final int TEXT_TO_IMAGE_CHANNELS = 4;
  private static final int INPAINTING_CHANNELS = 9;

  private FamilyDetector() {}

  /**
   * @param names every tensor name of the checkpoint
   * @param shapes the shape of a named tensor
   * @param metadata the file's metadata
   * @param given the family the caller named, which is used instead of the detected one
   * @throws ModelLoadException when the file is not an SD 1.x/2.x/XL checkpoint sdj knows how to configure
   */
  static Detection detect(Set<String> names, Function<String, long[]> shapes, Map<String, String> metadata,
      Optional<ModelFamily> given, String fileLabel) {
    Function<String, Optional<long[]>> unet = suffix -> {
      String key = CheckpointLayout.UNET + suffix;
      String ema = CheckpointLayout.emaTwin(key);
      return names.contains(key) ? Optional.of(shapes.apply(key))
          : names.contains(ema) ? Optional.of(shapes.apply(ema)) : Optional.empty();
    };
    String context = "Cannot tell which Stable Diffusion model " + fileLabel + " is";
    boolean sdxl = names.stream().anyMatch(n -> n.startsWith(CheckpointLayout.SDXL_OPEN_CLIP));
    boolean refiner = !sdxl && names.stream().anyMatch(n -> n.startsWith(CheckpointLayout.SDXL_REFINER_OPEN_CLIP));
    long[] convIn = unet.apply(CONV_IN).orElseThrow(() -> new ModelLoadException(context, List.of(
        "it has no " + CheckpointLayout.UNET + CONV_IN + ": it is not a Stable Diffusion checkpoint in the original"
            + " single-file layout")));
    boolean linear = IntStream.rangeClosed(1, MAX_INPUT_BLOCK)
        .mapToObj(i -> unet.apply("input_blocks." + i + ".1.proj_in.weight")).flatMap(Optional::stream).findFirst()
        .map(s -> s.length == 2).orElse(false);
    if (convIn.length != 4 || convIn[1] != TEXT_TO_IMAGE_CHANNELS && convIn[1] != INPAINTING_CHANNELS) {
      throw new ModelLoadException(context, List.of("its UNet takes " + (convIn.length > 1 ? convIn[1] : "?")
          + " input channels (a conditioned UNet other than an inpainting one), not one of the published SD 1.x/2.x"
          + " architectures (" + TEXT_TO_IMAGE_CHANNELS + ", or " + INPAINTING_CHANNELS + " to inpaint): give a"
          + " config folder that describes it"));
    }
    int channels = (int) convIn[1];
    if (given.isPresent()) {
      return new Detection(given.get(), linear, channels);
    }
    if (sdxl || refiner) {
      return new Detection(sdxl ? ModelFamily.SDXL : ModelFamily.SDXL_REFINER, linear, channels);
    }
    long[] keys = unet.apply(CROSS_ATTENTION_KEYS).orElseThrow(() -> new ModelLoadException(context, List.of(
        "it has no " + CheckpointLayout.UNET + CROSS_ATTENTION_KEYS + ": not an SD 1.x/2.x UNet; give a config"
            + " folder that describes it")));
    long width = keys[keys.length - 1];
    if (width == 768) {
      return new Detection(ModelFamily.SD_1, linear, channels);
    }
    if (width == 1024) {
      boolean base = channels == INPAINTING_CHANNELS || SD2_BASE_GLOBAL_STEP.equals(metadata.get("global_step"));
      return new Detection(base ? ModelFamily.SD_2_BASE : ModelFamily.SD_2_V, linear, channels);
    }
    throw new ModelLoadException(context, List.of("its cross-attention is " + width + " wide (SD 1.x: 768, SD 2.x:"
        + " 1024): give a config folder that describes it"));
  }
}
