package org.sdj.examples.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sdj.backend.DType;
import org.sdj.pipeline.RandomModelFolder;

/**
 * A tiny Stable Diffusion 1.x-architecture model with seeded random weights, written as a diffusers folder: it runs
 * the whole pipeline in a second on a CPU and needs no download, but it was never trained, so its images are colored
 * noise. It exists so that the {@code sdj} command can be tried on a fresh clone.
 */
public final class DemoModel {
  /** The name that {@code --model} takes for it. */
  public static final String NAME = "demo";
  private static final String VERSION = "1";
  private static final long SEED = 20261126L;

  private static final String UNET = """
      {"_class_name": "UNet2DConditionModel", "in_channels": 4, "out_channels": 4, "sample_size": 16,
       "block_out_channels": [32, 64, 64], "layers_per_block": 2, "norm_num_groups": 8,
       "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
       "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
       "cross_attention_dim": 32, "attention_head_dim": 8}
      """;
  private static final String VAE = """
      {"_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3, "latent_channels": 4,
       "block_out_channels": [16, 16, 32, 32], "layers_per_block": 1, "norm_num_groups": 8, "sample_size": 128,
       "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
       "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]}
      """;
  private static final String TEXT_ENCODER = """
      {"architectures": ["CLIPTextModel"], "model_type": "clip_text_model", "hidden_size": 32,
       "intermediate_size": 64, "num_hidden_layers": 3, "num_attention_heads": 4, "max_position_embeddings": 77,
       "vocab_size": 49408, "hidden_act": "quick_gelu", "projection_dim": 32}
      """;
  private static final String SCHEDULER = """
      {"_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
       "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1,
       "prediction_type": "epsilon", "timestep_spacing": "leading", "clip_sample": false}
      """;
  private static final String TOKENIZER = """
      {"model_max_length": 77, "pad_token": "<|endoftext|>", "bos_token": "<|startoftext|>",
       "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}
      """;

  private DemoModel() {}

  /** The system property that, when set, names the demo model's folder (tests use it to stay in a temp folder). */
  public static final String LOCATION_PROPERTY = "sdj.demo.dir";

  /**
   * Where the demo model is kept: the folder {@value #LOCATION_PROPERTY} names, else under {@code $XDG_CACHE_HOME/sdj}
   * or {@code ~/.cache/sdj}.
   */
  public static Path defaultLocation() {
    String configured = System.getProperty(LOCATION_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return cache.resolve("sdj").resolve("demo-model-v" + VERSION);
  }

  /** {@code model} as given, or for {@value #NAME} the demo model's folder at its default location, written first. */
  public static String resolve(String model) {
    return NAME.equals(model) ? ensure(defaultLocation()).toString() : model;
  }

  /** The demo model folder at {@code dir}, written first if it is not complete there. */
  public static Path ensure(Path dir) {
    if (Files.isRegularFile(dir.resolve("model_index.json"))) {
      return dir;
    }
    try {
      Path tmp = Files.createTempDirectory(dir.toAbsolutePath().getParent() == null ? Path.of(".")
          : Files.createDirectories(dir.toAbsolutePath().getParent()), "demo-model-");
      write(tmp);
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        if (!Files.isRegularFile(dir.resolve("model_index.json"))) {
          throw raced;
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the demo model to " + dir, e);
    }
  }

  /** Writes the demo model into the empty folder {@code dir}. */
  public static void write(Path dir) throws IOException {
    RandomModelFolder.write(dir, new RandomModelFolder.Configs(UNET, VAE, TEXT_ENCODER, SCHEDULER, TOKENIZER),
        DType.F32, SEED, "demo model: seeded random weights, never trained");
  }
}
