package org.sdj.io.checkpoint;

import java.util.Optional;

/**
 * SD 1.x's text encoder (and SDXL's first): a transformers {@code CLIPTextModel} saved inside the checkpoint, so its
 * names are transformers' own under {@code cond_stage_model.transformer.} (SDXL: {@code
 * conditioner.embedders.0.transformer.}), with or without the inner {@code text_model.}.
 */
final class ClipKeyMap implements KeyMap {
  private static final String TEXT_MODEL = "text_model.";

  private final String prefix;

  /** @param prefix what stands before {@code embeddings.}, e.g. {@code cond_stage_model.transformer.text_model.} */
  private ClipKeyMap(String prefix) {
    this.prefix = prefix;
  }

  /**
   * The map for a checkpoint whose encoder lies under {@code base} ({@link CheckpointLayout#CLIP} or {@link
   * CheckpointLayout#SDXL_CLIP}) and has the inner {@code text_model.} or not.
   */
  static ClipKeyMap of(String base, boolean innerTextModel) {
    return new ClipKeyMap(base + (innerTextModel ? TEXT_MODEL : ""));
  }

  /** The token embedding's name when the checkpoint has the inner {@code text_model.}, to tell the two apart. */
  static String probeWithTextModel(String base) {
    return base + TEXT_MODEL + "embeddings.token_embedding.weight";
  }

  @Override
  public Optional<SourceKey> locate(String diffusersName) {
    String inner = diffusersName.startsWith(TEXT_MODEL) ? diffusersName.substring(TEXT_MODEL.length())
        : diffusersName;
    return Optional.of(SourceKey.same(prefix + inner));
  }
}
