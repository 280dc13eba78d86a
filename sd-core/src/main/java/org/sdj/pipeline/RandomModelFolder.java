package org.sdj.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.WeightData;
import org.sdj.io.checkpoint.ModelFamily;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.model.ClipTextConfig;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.io.safetensors.SafeTensorsWriter;
import org.sdj.model.Weights;
import org.sdj.model.clip.ClipTextModel;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.model.vae.AutoencoderKL;
import org.sdj.tokenizer.BundledClipVocabulary;

/**
 * Writes a Stable Diffusion model in the diffusers folder layout from its configs, with seeded random weights: the
 * state dict each config implies (listed by building the model on {@link Weights#recording}), norm scales 1, biases 0,
 * other weights normal with variance 1 / fan-in (embeddings 0.02). Such a model has the architecture and cost of the
 * real one but was never trained: its images are colored noise. For demos, tests and benchmarks.
 */
public final class RandomModelFolder {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ValueLayout.OfFloat LITTLE_ENDIAN_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /**
   * The JSON configs of a model.
   *
   * @param unet {@code unet/config.json}
   * @param vae {@code vae/config.json}
   * @param textEncoder {@code text_encoder/config.json}
   * @param scheduler {@code scheduler/scheduler_config.json}
   * @param tokenizer {@code tokenizer/tokenizer_config.json} (the CLIP vocabulary comes from sdj's bundled copy)
   * @param second SDXL's second text encoder and tokenizer
   */
  public record Configs(String unet, String vae, String textEncoder, String scheduler, String tokenizer,
      Optional<SecondEncoder> second) {
    /** Where each config lies in a diffusers folder, in the order of the record's components. */
    private static final List<String> FILES = List.of("unet/config.json", "vae/config.json",
        "text_encoder/config.json", "scheduler/scheduler_config.json", "tokenizer/tokenizer_config.json");
    private static final String TEXT_ENCODER_2 = "text_encoder_2/config.json";
    private static final String TOKENIZER_2 = "tokenizer_2/tokenizer_config.json";

    /** The configs of a model with one text encoder. */
    public Configs(String unet, String vae, String textEncoder, String scheduler, String tokenizer) {
      this(unet, vae, textEncoder, scheduler, tokenizer, Optional.empty());
    }

    /**
     * SDXL's second text encoder's configs.
     *
     * @param textEncoder {@code text_encoder_2/config.json}
     * @param tokenizer {@code tokenizer_2/tokenizer_config.json}
     */
    public record SecondEncoder(String textEncoder, String tokenizer) {}

    /** The configs that ship with sdj for {@code family} ({@link ModelFamily#publishedConfig}). */
    public static Configs published(ModelFamily family) {
      Optional<SecondEncoder> second = family == ModelFamily.SDXL ? Optional.of(new SecondEncoder(
          family.publishedConfig(TEXT_ENCODER_2), family.publishedConfig(TOKENIZER_2))) : Optional.empty();
      return of(FILES.stream().map(family::publishedConfig).toList(), second);
    }

    /** The configs of the diffusers folder {@code dir}: a model of the same shapes gets random weights. */
    public static Configs read(Path dir) throws IOException {
      List<String> texts = new ArrayList<>();
      for (String file : FILES) {
        texts.add(Files.readString(dir.resolve(file)));
      }
      Optional<SecondEncoder> second = Files.isRegularFile(dir.resolve(TEXT_ENCODER_2))
          ? Optional.of(new SecondEncoder(Files.readString(dir.resolve(TEXT_ENCODER_2)),
              Files.readString(dir.resolve(TOKENIZER_2))))
          : Optional.empty();
      return of(texts, second);
    }

    private static Configs of(List<String> texts, Optional<SecondEncoder> second) {
      return new Configs(texts.get(0), texts.get(1), texts.get(2), texts.get(3), texts.get(4), second);
    }
  }

  private RandomModelFolder() {}

  /**
   * Writes the model into the empty folder {@code dir}.
   *
   * @param dtype the weights' file dtype (F32, F16 or BF16)
   * @param seed seeds every weight, so the same call writes the same model
   * @param description stored in each weights file's metadata
   */
  public static void write(Path dir, Configs configs, DType dtype, long seed, String description)
      throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    String weights = "diffusion_pytorch_model.safetensors";
    component(dir.resolve("unet"), weights, configs.unet(), dtype, random, description,
        w -> new UNet2DConditionModel(UNet2DConditionConfig.read(dir.resolve("unet/config.json")), w));
    component(dir.resolve("vae"), weights, configs.vae(), dtype, random, description,
        w -> new AutoencoderKL(AutoencoderKLConfig.read(dir.resolve("vae/config.json")), w));
    component(dir.resolve("text_encoder"), "model.safetensors", configs.textEncoder(), dtype, random, description,
        w -> new ClipTextModel(ClipTextConfig.read(dir.resolve("text_encoder/config.json")), w));
    Path tokenizer = Files.createDirectories(dir.resolve("tokenizer"));
    BundledClipVocabulary.writeTo(tokenizer);
    Files.writeString(tokenizer.resolve("tokenizer_config.json"), configs.tokenizer());
    if (configs.second().isPresent()) {
      Configs.SecondEncoder second = configs.second().get();
      component(dir.resolve("text_encoder_2"), "model.safetensors", second.textEncoder(), dtype, random, description,
          w -> new ClipTextModel(ClipTextConfig.read(dir.resolve("text_encoder_2/config.json")), w, true));
      Path tokenizer2 = Files.createDirectories(dir.resolve("tokenizer_2"));
      BundledClipVocabulary.writeTo(tokenizer2);
      Files.writeString(tokenizer2.resolve("tokenizer_config.json"), second.tokenizer());
    }
    Files.createDirectories(dir.resolve("scheduler"));
    Files.writeString(dir.resolve("scheduler/scheduler_config.json"), configs.scheduler());
    Files.writeString(dir.resolve("model_index.json"), modelIndex(configs));
  }

  /**
   * The model folder {@code dir}, written by {@link #write} on first use: into a temporary folder beside it that is
   * then moved into place, so that an interrupted write never leaves a half folder that looks complete.
   *
   * @return {@code dir}
   */
  public static Path cached(Path dir, Configs configs, DType dtype, long seed, String description) throws IOException {
    if (!Files.isRegularFile(dir.resolve("model_index.json"))) {
      Path parent = Files.createDirectories(dir.toAbsolutePath().getParent());
      Path tmp = Files.createTempDirectory(parent, "writing-");
      write(tmp, configs, dtype, seed, description);
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    }
    return dir;
  }

  /**
   * The weights {@code model} takes, seeded random as {@link #write} makes them, held in memory as F32 instead of
   * written to a file: for benchmarks on a backend that copies its weights (a GPU's) without gigabytes on disk
   * first. Each tensor draws from its own stream split off {@code seed} in name order, so the tensors are generated in
   * parallel and the same call gives the same weights (not those of {@link #write} with that seed).
   *
   * @param arena holds the weights' bytes; a shared arena (they are allocated on several threads), to close once the
   *     backend has taken them
   * @param model builds the model on the weights it is given; called once here, on a recording view
   */
  public static Weights inMemory(Backend backend, Arena arena, long seed, Function<Weights, ?> model) {
    Map<String, long[]> shapes = new TreeMap<>();
    model.apply(Weights.recording(shapes));
    List<String> names = List.copyOf(shapes.keySet());
    SplittableRandom root = new SplittableRandom(seed);
    List<SplittableRandom> streams = names.stream().map(n -> root.split()).toList();
    Map<String, WeightData> data = new ConcurrentHashMap<>();
    IntStream.range(0, names.size()).parallel().forEach(i -> {
      String name = names.get(i);
      long[] shape = shapes.get(name);
      float[] values = initial(name, shape, streams.get(i));
      MemorySegment bytes = arena.allocate(4L * values.length, 4);
      MemorySegment.copy(values, 0, bytes, LITTLE_ENDIAN_FLOAT, 0, values.length);
      data.put(name, new WeightData(name, DType.F32, shape, bytes));
    });
    return new Weights(backend, data.keySet(), data::get);
  }

  private static String modelIndex(Configs configs) throws IOException {
    boolean xl = configs.second().isPresent();
    ObjectNode index = JSON.createObjectNode().put("_class_name", xl ? "StableDiffusionXLPipeline"
        : "StableDiffusionPipeline");
    index.putArray("unet").add("diffusers").add("UNet2DConditionModel");
    index.putArray("vae").add("diffusers").add("AutoencoderKL");
    index.putArray("text_encoder").add("transformers").add("CLIPTextModel");
    index.putArray("tokenizer").add("transformers").add("CLIPTokenizer");
    if (xl) {
      index.putArray("text_encoder_2").add("transformers").add("CLIPTextModelWithProjection");
      index.putArray("tokenizer_2").add("transformers").add("CLIPTokenizer");
    }
    index.putArray("scheduler").add("diffusers").add(JSON.readTree(configs.scheduler()).path("_class_name").asText());
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index);
  }

  private static void component(Path dir, String file, String config, DType dtype, SplittableRandom random,
      String description, Function<Weights, ?> model) throws IOException {
    Files.createDirectories(dir);
    JsonNode parsed = JSON.readTree(config);
    JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), parsed);
    Map<String, long[]> shapes = new TreeMap<>();
    model.apply(Weights.recording(shapes));
    SafeTensorsWriter writer = SafeTensorsWriter.create().metadata("format", "pt").metadata("sdj", description);
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      writer.add(e.getKey(), dtype, e.getValue(), initial(e.getKey(), e.getValue(), random));
    }
    writer.write(dir.resolve(file));
  }

  private static float[] initial(String name, long[] shape, SplittableRandom random) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] values = new float[Math.toIntExact(n)];
    boolean norm = name.matches(".*(norm[^.]*|group_norm|layer_norm\\d?)\\.weight");
    if (name.endsWith(".bias") || norm) {
      Arrays.fill(values, norm ? 1f : 0f);
      return values;
    }
    double std = name.contains("embedding") ? 0.02 : 1.0 / Math.sqrt((double) n / shape[0]);
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextGaussian() * std);
    }
    return values;
  }
}
