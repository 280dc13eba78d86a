package org.sdj.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sdj.backend.DType;
import org.sdj.pipeline.RandomModelFolder;
import org.sdj.model.Weights;

/**
 * A Stable Diffusion 1.5-size model folder with seeded random weights: the published configs of SD 1.5's UNet, VAE
 * and CLIP ViT-L/14 text encoder, and a state dict of the shapes they imply ({@link Weights#recording}), in a file
 * dtype of choice. Same architecture and cost as the real model; its images are noise.
 */
public final class Sd15 {
  static final String UNET = """
      {"_class_name": "UNet2DConditionModel", "act_fn": "silu", "attention_head_dim": 8,
       "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": false, "cross_attention_dim": 768,
       "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
       "downsample_padding": 1, "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2,
       "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32, "out_channels": 4, "sample_size": 64,
       "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}
      """;
  static final String VAE = """
      {"_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
       "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
       "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 3,
       "sample_size": 512,
       "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"]}
      """;
  static final String TEXT_ENCODER = """
      {"architectures": ["CLIPTextModel"], "model_type": "clip_text_model", "hidden_act": "quick_gelu",
       "hidden_size": 768, "intermediate_size": 3072, "max_position_embeddings": 77, "num_attention_heads": 12,
       "num_hidden_layers": 12, "projection_dim": 768, "vocab_size": 49408, "layer_norm_eps": 1e-05}
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

  private Sd15() {}

  /** The cached folder under {@code java.io.tmpdir}, written on first use (about 2 GB in F16). */
  public static Path cached(DType dtype) throws IOException {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "sdj-bench", "sd15-random-" + dtype.name().toLowerCase());
    if (!Files.isRegularFile(dir.resolve("model_index.json"))) {
      Files.createDirectories(dir.getParent());
      Path tmp = Files.createTempDirectory(dir.getParent(), "writing-");
      write(tmp, dtype);
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    }
    return dir;
  }

  /** Writes the whole model folder into the empty folder {@code dir}. */
  public static void write(Path dir, DType dtype) throws IOException {
    RandomModelFolder.write(dir, new RandomModelFolder.Configs(UNET, VAE, TEXT_ENCODER, SCHEDULER, TOKENIZER), dtype,
        15, "benchmark model: SD 1.5 architecture, seeded random weights");
  }
}
