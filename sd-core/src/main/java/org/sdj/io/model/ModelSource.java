package org.sdj.io.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
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

  /** The UNet's configuration. */
  UNet2DConditionConfig unetConfig();

  /** The VAE's configuration. */
  AutoencoderKLConfig vaeConfig();

  /** The text encoder's configuration. */
  ClipTextConfig textEncoderConfig();

  /**
   * The weights of {@code component} under their diffusers / transformers names, owned by this source (don't close
   * them yourself).
   *
   * @throws IllegalStateException after {@link #close()}
   */
  TensorSource weights(Component component);

  /** A CLIP tokenizer folder ({@code vocab.json}, {@code merges.txt}, optionally {@code tokenizer_config.json}). */
  Path tokenizerDirectory();

  /** The scheduler config as diffusers saves it ({@code scheduler_config.json}); a copy, free to modify. */
  JsonNode schedulerConfig();

  /** Releases the weights (unmaps files, deletes temporary files). Idempotent. */
  @Override
  void close();
}
