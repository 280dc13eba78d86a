package org.sdj.io.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.sdj.io.StrictJson;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.model.ClipTextConfig;
import org.sdj.io.model.LoadProblems;
import org.sdj.io.model.ModelIndex;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.model.ModelSource;
import org.sdj.io.model.UNet2DConditionConfig;

/**
 * Reads the configs and finds the tokenizer of a folder in the diffusers layout, without its weights (which a config
 * folder for a single file need not have). Every problem is reported in one {@link ModelLoadException}.
 */
final class ConfigFolder {
  static final String UNET = "unet/config.json";
  static final String VAE = "vae/config.json";
  static final String TEXT_ENCODER = "text_encoder/config.json";
  static final String SCHEDULER = "scheduler/scheduler_config.json";
  static final String TOKENIZER = "tokenizer";
  static final String TEXT_ENCODER_2 = "text_encoder_2/config.json";
  static final String TOKENIZER_2 = "tokenizer_2";
  private static final String MODEL_INDEX = "model_index.json";

  private ConfigFolder() {}

  static ModelConfigs read(Path dir) {
    String context = "Cannot use the configs in " + dir;
    if (!Files.isDirectory(dir)) {
      throw new ModelLoadException(context, List.of(dir + " is not a folder (give a diffusers pipeline folder)"));
    }
    LoadProblems problems = new LoadProblems();
    Optional<UNet2DConditionConfig> unet = config(dir.resolve(UNET), UNet2DConditionConfig::read, problems);
    Optional<AutoencoderKLConfig> vae = config(dir.resolve(VAE), AutoencoderKLConfig::read, problems);
    boolean second = Files.isRegularFile(dir.resolve(TEXT_ENCODER_2));
    // SDXL's refiner has the second text encoder alone.
    boolean first = !second || Files.exists(dir.resolve(TEXT_ENCODER).getParent());
    Optional<ClipTextConfig> text = first ? config(dir.resolve(TEXT_ENCODER), ClipTextConfig::read, problems)
        : Optional.empty();
    Optional<ObjectNode> scheduler = Optional.empty();
    try {
      scheduler = Optional.of(StrictJson.readObject(dir.resolve(SCHEDULER)));
    } catch (IOException e) {
      problems.add(SCHEDULER + ": " + StrictJson.describe(e));
    }
    Optional<ModelSource.TextEncoder> textEncoder = Optional.empty();
    if (first) {
      Path tokenizer = tokenizer(dir, TOKENIZER, problems);
      textEncoder = text.map(c -> new ModelSource.TextEncoder(c, tokenizer));
    }
    // SDXL: a second text encoder and tokenizer; model_index.json, if there, says whether empty prompts are zeros and
    // whether the time ids end with an aesthetic score (the refiner).
    Optional<ModelSource.SecondTextEncoder> textEncoder2 = Optional.empty();
    if (second) {
      Optional<ClipTextConfig> text2 = config(dir.resolve(TEXT_ENCODER_2), ClipTextConfig::read, problems);
      Path tokenizer2 = tokenizer(dir, TOKENIZER_2, problems);
      Optional<ModelIndex> index = Files.isRegularFile(dir.resolve(MODEL_INDEX))
          ? config(dir.resolve(MODEL_INDEX), ModelIndex::read, problems) : Optional.empty();
      boolean zeros = index.map(ModelIndex::forceZerosForEmptyPrompt).orElse(true);
      boolean aesthetic = index.map(ModelIndex::requiresAestheticsScore).orElse(false);
      textEncoder2 = text2.map(c -> new ModelSource.SecondTextEncoder(c, tokenizer2, zeros, aesthetic));
    }
    problems.throwIfAny(context);
    return new ModelConfigs(unet.orElseThrow(), vae.orElseThrow(), textEncoder, textEncoder2,
        scheduler.orElseThrow());
  }

  private static Path tokenizer(Path dir, String name, LoadProblems problems) {
    Path tokenizer = dir.resolve(name);
    for (String file : List.of("vocab.json", "merges.txt")) {
      if (!Files.isRegularFile(tokenizer.resolve(file))) {
        problems.add(name + "/" + file + ": file not found");
      }
    }
    return tokenizer;
  }

  private static <T> Optional<T> config(Path file, Function<Path, T> read, LoadProblems problems) {
    try {
      return Optional.of(read.apply(file));
    } catch (ModelLoadException e) {
      problems.addAll(e.problems());
      return Optional.empty();
    }
  }
}
