package org.sdj.io.checkpoint;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SD 2.x's text encoder: OpenCLIP's text tower under {@code cond_stage_model.model.}, seen as a transformers
 * {@code CLIPTextModel}. Each {@code transformer.resblocks.N} is a layer whose attention has one fused
 * {@code in_proj_weight [3C, C]} (q, k, v in that order), sliced without copying. SD 2.x conditions on the penultimate
 * layer, so its config has one layer fewer than the file: the last resblock and {@code text_projection} go unused.
 * SDXL's second text encoder is the same tower under {@code conditioner.embedders.1.model.}, read whole as a
 * {@code CLIPTextModelWithProjection}: its {@code text_projection [in, out]} is the projection's weight transposed.
 */
final class OpenClipKeyMap implements KeyMap {
  private static final Pattern LAYER = Pattern.compile("text_model\\.encoder\\.layers\\.(\\d+)\\.(.+)");
  private static final Pattern QKV = Pattern.compile("self_attn\\.([qkv])_proj\\.(weight|bias)");
  private static final Map<String, String> TOP = Map.of(
      "text_model.embeddings.token_embedding.weight", "token_embedding.weight",
      "text_model.embeddings.position_embedding.weight", "positional_embedding",
      "text_model.final_layer_norm.weight", "ln_final.weight",
      "text_model.final_layer_norm.bias", "ln_final.bias");
  private static final Map<String, String> LAYER_MODULES = Map.of(
      "layer_norm1.", "ln_1.",
      "layer_norm2.", "ln_2.",
      "mlp.fc1.", "mlp.c_fc.",
      "mlp.fc2.", "mlp.c_proj.",
      "self_attn.out_proj.", "attn.out_proj.");

  private final String prefix;

  /** @param prefix {@link CheckpointLayout#OPEN_CLIP} or {@link CheckpointLayout#SDXL_OPEN_CLIP} */
  OpenClipKeyMap(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Optional<SourceKey> locate(String diffusersName) {
    if (diffusersName.equals("text_projection.weight")) {
      return Optional.of(SourceKey.transposed(prefix + "text_projection"));
    }
    String top = TOP.get(diffusersName);
    if (top != null) {
      return Optional.of(SourceKey.same(prefix + top));
    }
    Matcher layer = LAYER.matcher(diffusersName);
    if (!layer.matches()) {
      return Optional.empty();
    }
    String block = prefix + "transformer.resblocks." + layer.group(1) + ".";
    String leaf = layer.group(2);
    Matcher qkv = QKV.matcher(leaf);
    if (qkv.matches()) {
      int index = "qkv".indexOf(qkv.group(1).charAt(0));
      return Optional.of(SourceKey.chunk(block + "attn.in_proj_" + qkv.group(2), index, 3));
    }
    return LAYER_MODULES.entrySet().stream().filter(m -> leaf.startsWith(m.getKey())).findFirst()
        .map(m -> SourceKey.same(block + m.getValue() + leaf.substring(m.getKey().length())));
  }
}
