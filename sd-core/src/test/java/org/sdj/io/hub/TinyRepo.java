package org.sdj.io.hub;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** The file list of a small SD 1.5-like repository, with the clutter real ones carry. */
final class TinyRepo {
  static final String MODEL_INDEX =
      """
      {"_class_name": "StableDiffusionPipeline",
       "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
       "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
       "scheduler": ["diffusers", "PNDMScheduler"],
       "safety_checker": ["stable_diffusion", "StableDiffusionSafetyChecker"],
       "feature_extractor": ["transformers", "CLIPImageProcessor"]}
      """;

  private TinyRepo() {}

  /** unet and text_encoder have fp16 variants, vae has none. */
  static Map<String, byte[]> files() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("model_index.json", text(MODEL_INDEX));
    files.put("README.md", text("# tiny"));
    files.put("v1-5-pruned-emaonly.safetensors", bytes(1000, 1));
    files.put("v1-5-pruned-emaonly.ckpt", bytes(1000, 2));
    files.put("unet/config.json", text("{\"sample_size\": 8}"));
    files.put("unet/diffusion_pytorch_model.safetensors", bytes(4000, 3));
    files.put("unet/diffusion_pytorch_model.fp16.safetensors", bytes(2000, 4));
    files.put("unet/diffusion_pytorch_model.non_ema.safetensors", bytes(4000, 5));
    files.put("unet/diffusion_pytorch_model.bin", bytes(4000, 6));
    files.put("unet/diffusion_flax_model.msgpack", bytes(100, 7));
    files.put("unet/model.onnx", bytes(100, 8));
    files.put("vae/config.json", text("{\"scaling_factor\": 0.18215}"));
    files.put("vae/diffusion_pytorch_model.safetensors", bytes(3000, 9));
    files.put("vae/diffusion_pytorch_model.bin", bytes(3000, 10));
    files.put("text_encoder/config.json", text("{\"hidden_size\": 32}"));
    files.put("text_encoder/model.safetensors", bytes(3000, 11));
    files.put("text_encoder/model.fp16.safetensors", bytes(1500, 12));
    files.put("text_encoder/pytorch_model.bin", bytes(3000, 13));
    files.put("text_encoder/flax_model.msgpack", bytes(100, 14));
    files.put("tokenizer/vocab.json", text("{\"a</w>\": 0}"));
    files.put("tokenizer/merges.txt", text("#version: 0.2\n"));
    files.put("tokenizer/tokenizer_config.json", text("{\"model_max_length\": 77}"));
    files.put("tokenizer/special_tokens_map.json", text("{}"));
    files.put("scheduler/scheduler_config.json", text("{\"_class_name\": \"PNDMScheduler\"}"));
    files.put("safety_checker/config.json", text("{}"));
    files.put("safety_checker/model.safetensors", bytes(2000, 15));
    files.put("feature_extractor/preprocessor_config.json", text("{}"));
    return files;
  }

  static byte[] text(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] bytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
