package org.sdj.io.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.sdj.backend.DType;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.TensorSource;

/**
 * Where a Stable Diffusion pipeline's configs, weights and tokenizer come from: a diffusers folder ({@link
 * DiffusersFolder}) or a single-file checkpoint ({@code org.sdj.io.checkpoint.SingleFileCheckpoint}). Weights are
 * named as diffusers and transformers name them, whatever the files call them.
 *
 * <p>The source owns its weights: tensors read from it are valid until {@link #close()}.
 */
public interface ModelSource extends AutoCloseable {

  /** The folder or file the model is read from. */
  Path location();

  /**
   * The name AUTOMATIC1111 gives a model at {@code location}: a folder's name, or a file's without its extension
   * ({@code v1-5-pruned-emaonly}).
   */
  static String nameOf(Path location) {
    String name = String.valueOf(location.toAbsolutePath().normalize().getFileName());
    int dot = name.lastIndexOf('.');
    return Files.isRegularFile(location) && dot > 0 ? name.substring(0, dot) : name;
  }

  /** The UNet's configuration. */
  UNet2DConditionConfig unetConfig();

  /** The VAE's configuration. */
  AutoencoderKLConfig vaeConfig();

  /**
   * The (first) text encoder and its tokenizer: SD 1.x's and 2.x's only one, SDXL base's CLIP ViT-L; empty for SDXL's
   * refiner, which has only {@link #textEncoder2()}.
   */
  Optional<TextEncoder> textEncoder();

  /**
   * A pipeline's {@code text_encoder} and {@code tokenizer}.
   *
   * @param config its {@code text_encoder/config.json}
   * @param tokenizerDirectory a CLIP tokenizer folder ({@code vocab.json}, {@code merges.txt}, optionally
   *     {@code tokenizer_config.json})
   */
  record TextEncoder(ClipTextConfig config, Path tokenizerDirectory) {}

  /**
   * SDXL's second text encoder ({@code CLIPTextModelWithProjection}) and its tokenizer folder; empty for pipelines
   * with one text encoder.
   */
  default Optional<SecondTextEncoder> textEncoder2() {
    return Optional.empty();
  }

  /**
   * The second text encoder of an SDXL pipeline.
   *
   * @param config its {@code text_encoder_2/config.json}
   * @param tokenizerDirectory its {@code tokenizer_2/} folder (as {@link #tokenizerDirectory()})
   * @param forceZerosForEmptyPrompt the pipeline's {@code force_zeros_for_empty_prompt}: an empty negative prompt
   *     stands for zero embeddings rather than the encoded empty text
   * @param requiresAestheticsScore the pipeline's {@code requires_aesthetics_score} (SDXL's refiner): the UNet's time
   *     ids end with an aesthetic score in place of the target size
   */
  record SecondTextEncoder(ClipTextConfig config, Path tokenizerDirectory, boolean forceZerosForEmptyPrompt,
      boolean requiresAestheticsScore) {
    /** An SDXL base pipeline's: no aesthetic score. */
    public SecondTextEncoder(ClipTextConfig config, Path tokenizerDirectory, boolean forceZerosForEmptyPrompt) {
      this(config, tokenizerDirectory, forceZerosForEmptyPrompt, false);
    }
  }

  /**
   * The weights of {@code component} under their diffusers / transformers names, owned by this source (don't close
   * them yourself).
   *
   * @throws IllegalStateException after {@link #close()}
   */
  TensorSource weights(Component component);

  /**
   * The dtype that most of {@code component}'s weight elements are stored in, from the headers (F32 for a component
   * without weights): what a backend that computes in half precision should choose between float16 and bfloat16 by.
   */
  default DType predominantDtype(Component component) {
    TensorSource weights = weights(component);
    Map<DType, Long> elements = new EnumMap<>(DType.class);
    for (String name : weights.names()) {
      SafeTensor t = weights.get(name);
      elements.merge(t.dtype(), t.numel(), Long::sum);
    }
    return elements.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(DType.F32);
  }


  /** The scheduler config as diffusers saves it ({@code scheduler_config.json}); a copy, free to modify. */
  JsonNode schedulerConfig();

  /** Releases the weights (unmaps files, deletes temporary files). Idempotent. */
  @Override
  void close();
}
