package org.sdj.io.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sdj.SdjException;
import org.sdj.io.StrictJson;
import org.sdj.tokenizer.BundledClipVocabulary;

/**
 * The configs of the published models (stable-diffusion-v1-5, stable-diffusion-2-1-base, stable-diffusion-2-1,
 * stable-diffusion-xl-base-1.0 and -refiner-1.0) that ship in sdj's jar, written out as a config folder with the
 * bundled CLIP vocabulary so that they are read exactly as a diffusers folder is.
 */
final class PublishedConfigs {
  private static final List<String> FILES = List.of(ConfigFolder.UNET, ConfigFolder.VAE, ConfigFolder.SCHEDULER);
  private static final List<String> FIRST_ENCODER_FILES = List.of(ConfigFolder.TEXT_ENCODER,
      ConfigFolder.TOKENIZER + "/tokenizer_config.json");
  private static final List<String> SECOND_ENCODER_FILES = List.of(ConfigFolder.TEXT_ENCODER_2,
      ConfigFolder.TOKENIZER_2 + "/tokenizer_config.json");
  /** The refiner's flags (requires_aesthetics_score, force_zeros_for_empty_prompt false). */
  private static final String MODEL_INDEX = "model_index.json";

  private PublishedConfigs() {}

  /**
   * Writes the config folder of {@code family} into the empty folder {@code dir}.
   *
   * @param linearProjection the UNet's {@code use_linear_projection}, as the checkpoint's shapes say
   */
  static void write(ModelFamily family, boolean linearProjection, Path dir) {
    write(family, linearProjection, 4, dir);
  }

  /**
   * Writes the config folder of {@code family} into the empty folder {@code dir}, its UNet taking
   * {@code unetInChannels} input channels (9: the family's inpainting model, whose config is otherwise the same).
   */
  static void write(ModelFamily family, boolean linearProjection, int unetInChannels, Path dir) {
    try {
      for (String file : files(family)) {
        Path target = dir.resolve(file);
        Files.createDirectories(target.getParent());
        try (InputStream in = resource(family, file)) {
          if (file.equals(ConfigFolder.UNET)) {
            ObjectNode unet = (ObjectNode) StrictJson.mapper().readTree(in);
            unet.put("use_linear_projection", linearProjection);
            unet.put("in_channels", unetInChannels);
            StrictJson.mapper().writeValue(target.toFile(), unet);
          } else {
            Files.copy(in, target);
          }
        }
      }
      if (family.firstTextEncoder()) {
        BundledClipVocabulary.writeTo(dir.resolve(ConfigFolder.TOKENIZER));
      }
      if (family.secondTextEncoder()) {
        BundledClipVocabulary.writeTo(dir.resolve(ConfigFolder.TOKENIZER_2));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the " + family.id() + " configs to " + dir, e);
    }
  }

  /** The config files of {@code family}. */
  private static List<String> files(ModelFamily family) {
    List<String> files = new ArrayList<>(FILES);
    if (family.firstTextEncoder()) {
      files.addAll(FIRST_ENCODER_FILES);
    }
    if (family.secondTextEncoder()) {
      files.addAll(SECOND_ENCODER_FILES);
    }
    if (family == ModelFamily.SDXL_REFINER) {
      files.add(MODEL_INDEX);
    }
    return files;
  }

  /** The text of one config file of {@code family}, one of {@link #files}. */
  static String text(ModelFamily family, String file) {
    if (!files(family).contains(file)) {
      throw new SdjException("no published config '" + file + "' for " + family.id() + ": sdj ships "
          + String.join(", ", files(family)));
    }
    try (InputStream in = resource(family, file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the " + family.id() + " config " + file, e);
    }
  }

  private static InputStream resource(ModelFamily family, String file) {
    InputStream in = PublishedConfigs.class.getResourceAsStream(family.resourceFolder() + "/" + file);
    if (in == null) {
      throw new SdjException("the sdj jar lacks its " + family.id() + " config " + file);
    }
    return in;
  }
}
