package org.sdj.io.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.sdj.io.StrictJson;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.ShardedSafeTensors;
import org.sdj.io.safetensors.TensorSource;

/**
 * A Stable Diffusion pipeline saved in the diffusers folder layout: {@code model_index.json} and the folders
 * {@code unet/}, {@code vae/}, {@code text_encoder/}, {@code tokenizer/} and {@code scheduler/}, and for SDXL
 * {@code text_encoder_2/} and {@code tokenizer_2/}. Other folders (safety checker, feature extractor) and other formats
 * (ONNX, Flax) are ignored.
 *
 * <p>{@link #open} reads and checks every config and finds every weight file, reporting all problems in one {@link
 * ModelLoadException}. Weights are mapped on first use and stay mapped until {@link #close()}. Thread-safe.
 */
public final class DiffusersFolder implements ModelSource {
  private static final String TOKENIZER = "tokenizer";
  private static final String TOKENIZER_2 = "tokenizer_2";
  private static final String SCHEDULER = "scheduler";
  private static final String SCHEDULER_CONFIG = "scheduler_config.json";

  private final Path directory;
  private final LoadOptions options;
  private final ModelIndex modelIndex;
  private final UNet2DConditionConfig unetConfig;
  private final AutoencoderKLConfig vaeConfig;
  private final Optional<TextEncoder> textEncoder;
  private final Optional<SecondTextEncoder> textEncoder2;
  private final ObjectNode schedulerConfig;
  private final Map<Component, Path> weightFiles;
  private final Map<Component, TensorSource> openWeights = new EnumMap<>(Component.class);
  private boolean closed;

  private DiffusersFolder(
      Path directory, LoadOptions options, ModelIndex modelIndex, UNet2DConditionConfig unetConfig,
      AutoencoderKLConfig vaeConfig, Optional<TextEncoder> textEncoder, Optional<SecondTextEncoder> textEncoder2,
      ObjectNode schedulerConfig, Map<Component, Path> weightFiles) {
    this.directory = directory;
    this.options = options;
    this.modelIndex = modelIndex;
    this.unetConfig = unetConfig;
    this.vaeConfig = vaeConfig;
    this.textEncoder = textEncoder;
    this.textEncoder2 = textEncoder2;
    this.schedulerConfig = schedulerConfig;
    this.weightFiles = weightFiles;
  }

  /** {@link #open(Path, LoadOptions)} with {@link LoadOptions#defaults()}. */
  public static DiffusersFolder open(Path directory) {
    return open(directory, LoadOptions.defaults());
  }

  /**
   * Reads the folder's configs and locates its weights (without mapping them yet).
   *
   * @throws ModelLoadException listing every missing file, unreadable JSON and unusable config value found
   */
  public static DiffusersFolder open(Path directory, LoadOptions options) {
    String context = "Cannot load the diffusers model in " + directory;
    if (!Files.isDirectory(directory)) {
      throw new ModelLoadException(context, List.of(directory + " is not a folder"));
    }
    LoadProblems problems = new LoadProblems();
    Optional<ModelIndex> index =
        ConfigReader.open(directory.resolve("model_index.json"), "model_index.json", problems).map(ModelIndex::from);
    Map<Component, Path> weights = new EnumMap<>(Component.class);
    Optional<UNet2DConditionConfig> unet =
        readComponent(directory, Component.UNET, UNet2DConditionConfig::from, options, weights, problems);
    Optional<AutoencoderKLConfig> vae =
        readComponent(directory, Component.VAE, AutoencoderKLConfig::from, options, weights, problems);
    // SDXL: a second text encoder and tokenizer, named in model_index.json (or present as folders). SDXL's refiner
    // has only that one: its model_index.json gives text_encoder as [null, null].
    boolean second = index.map(i -> i.component(Component.TEXT_ENCODER_2.folderName()).isPresent()).orElse(false)
        || Files.isDirectory(directory.resolve(Component.TEXT_ENCODER_2.folderName()));
    boolean first = !second || index.map(i -> i.component(Component.TEXT_ENCODER.folderName()).isPresent())
        .orElse(true) || Files.isDirectory(directory.resolve(Component.TEXT_ENCODER.folderName()));
    Optional<ClipTextConfig> textEncoder = first
        ? readComponent(directory, Component.TEXT_ENCODER, ClipTextConfig::from, options, weights, problems)
        : Optional.empty();
    if (first) {
      checkTokenizer(directory.resolve(TOKENIZER), TOKENIZER, problems);
    }
    Optional<ClipTextConfig> textEncoder2 = second
        ? readComponent(directory, Component.TEXT_ENCODER_2, ClipTextConfig::from, options, weights, problems)
        : Optional.empty();
    if (second) {
      checkTokenizer(directory.resolve(TOKENIZER_2), TOKENIZER_2, problems);
    }
    Optional<ObjectNode> scheduler = readSchedulerConfig(directory.resolve(SCHEDULER), problems);
    options.variant().ifPresent(v -> checkVariantFound(directory, v, weights, problems));
    problems.throwIfAny(context);
    return new DiffusersFolder(directory, options, index.orElseThrow(), unet.orElseThrow(), vae.orElseThrow(),
        textEncoder.map(c -> new TextEncoder(c, directory.resolve(TOKENIZER))),
        textEncoder2.map(c -> new SecondTextEncoder(c, directory.resolve(TOKENIZER_2),
            index.orElseThrow().forceZerosForEmptyPrompt(), index.orElseThrow().requiresAestheticsScore())),
        scheduler.orElseThrow(), weights);
  }

  private static <T> Optional<T> readComponent(
      Path directory, Component component, Function<ConfigReader, T> parse, LoadOptions options,
      Map<Component, Path> weights, LoadProblems problems) {
    Path folder = directory.resolve(component.folderName());
    if (!requireFolder(folder, component.folderName(), problems)) {
      return Optional.empty();
    }
    Optional<T> config =
        ConfigReader.open(folder.resolve("config.json"), component.folderName() + "/config.json", problems).map(parse);
    WeightFiles.locate(folder, component, options.variant(), problems).ifPresent(f -> weights.put(component, f));
    return config;
  }

  /**
   * A component without the variant's weights falls back to its plain ones, but a variant that no component has is
   * refused, as diffusers refuses it ("no such modeling files are available"): it is most likely a typo.
   */
  private static void checkVariantFound(Path directory, String variant, Map<Component, Path> weights,
      LoadProblems problems) {
    if (weights.isEmpty() || weights.values().stream()
        .anyMatch(f -> WeightFiles.isVariant(f, variant))) {
      return;
    }
    Set<String> present = new TreeSet<>();
    weights.keySet().forEach(c -> present.addAll(WeightFiles.variantsPresent(directory.resolve(c.folderName()),
        c.weightsBaseName())));
    problems.add("variant " + variant + ": no component has " + variant + " weights (such as unet/"
        + Component.UNET.weightsBaseName() + "." + variant + ".safetensors); " + (present.isEmpty()
            ? "the folder has plain weights only: load it without a variant"
            : "the folder has the variant(s) " + present + " and plain weights"));
  }

  /** CLIPTokenizer reads vocab.json and merges.txt; the tokenizer itself is parsed elsewhere. */
  private static void checkTokenizer(Path folder, String name, LoadProblems problems) {
    if (requireFolder(folder, name, problems)) {
      for (String file : List.of("vocab.json", "merges.txt")) {
        if (!Files.isRegularFile(folder.resolve(file))) {
          problems.add(name + "/" + file + ": file not found");
        }
      }
    }
  }

  private static Optional<ObjectNode> readSchedulerConfig(Path folder, LoadProblems problems) {
    if (!requireFolder(folder, SCHEDULER, problems)) {
      return Optional.empty();
    }
    try {
      return Optional.of(StrictJson.readObject(folder.resolve(SCHEDULER_CONFIG)));
    } catch (IOException e) {
      problems.add(SCHEDULER + "/" + SCHEDULER_CONFIG + ": " + StrictJson.describe(e));
      return Optional.empty();
    }
  }

  private static boolean requireFolder(Path folder, String name, LoadProblems problems) {
    if (Files.isDirectory(folder)) {
      return true;
    }
    problems.add(name + "/: folder missing (a Stable Diffusion pipeline needs unet, vae, text_encoder, tokenizer"
        + " and scheduler; SDXL text_encoder_2 and tokenizer_2 too)");
    return false;
  }

  /** The pipeline folder. */
  public Path directory() {
    return directory;
  }

  /** The pipeline folder, as {@link #directory()}. */
  @Override
  public Path location() {
    return directory;
  }

  /** The options it was opened with. */
  public LoadOptions options() {
    return options;
  }

  /** The parsed {@code model_index.json}. */
  public ModelIndex modelIndex() {
    return modelIndex;
  }

  /** The parsed {@code unet/config.json}. */
  @Override
  public UNet2DConditionConfig unetConfig() {
    return unetConfig;
  }

  /** The parsed {@code vae/config.json}. */
  @Override
  public AutoencoderKLConfig vaeConfig() {
    return vaeConfig;
  }

  /** The parsed {@code text_encoder/config.json} and the {@code tokenizer/} folder; empty for SDXL's refiner. */
  @Override
  public Optional<TextEncoder> textEncoder() {
    return textEncoder;
  }

  /** SDXL's {@code text_encoder_2/config.json} and {@code tokenizer_2/} folder, if the pipeline has them. */
  @Override
  public Optional<SecondTextEncoder> textEncoder2() {
    return textEncoder2;
  }

  /** {@code scheduler/scheduler_config.json} as read (a JSON object); a copy, free to modify. */
  @Override
  public JsonNode schedulerConfig() {
    return schedulerConfig.deepCopy();
  }

  /** The file the weights of {@code component} are read from: a {@code .safetensors} file or a shard index. */
  public Path weightsFile(Component component) {
    return weightFiles.get(component);
  }

  /**
   * The weights of {@code component}, mapped on first call and kept until {@link #close()}; owned by this folder, so
   * don't close the source yourself.
   *
   * @throws org.sdj.io.safetensors.SafetensorsException if the weight file is invalid
   * @throws IllegalStateException after {@link #close()}
   */
  @Override
  public synchronized TensorSource weights(Component component) {
    if (closed) {
      throw new IllegalStateException("DiffusersFolder " + directory + " is closed");
    }
    return openWeights.computeIfAbsent(component, c -> {
      Path file = weightFiles.get(c);
      return file.getFileName().toString().endsWith(".json") ? ShardedSafeTensors.open(file)
          : SafeTensorsFile.open(file);
    });
  }

  /** Unmaps every weight file mapped so far. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    openWeights.values().forEach(TensorSource::close);
    openWeights.clear();
  }

  @Override
  public String toString() {
    return "DiffusersFolder[" + directory + options.variant().map(v -> ", variant " + v).orElse("") + "]";
  }
}
