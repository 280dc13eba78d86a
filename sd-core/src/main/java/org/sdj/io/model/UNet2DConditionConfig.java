package org.sdj.io.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The configuration of a diffusers {@code UNet2DConditionModel} ({@code unet/config.json}), with diffusers' defaults
 * for absent keys. Settings that diffusers accepts either as one value or as one per down block are given here per
 * block, in down-block order (index 0 = the highest resolution); up block {@code i} uses entry {@code blockCount()-1-i}.
 *
 * @param sampleSize latent height and width the model was trained at; empty if not given
 * @param midBlockType empty means the UNet has no mid block
 * @param onlyCrossAttention per block
 * @param midBlockOnlyCrossAttention as diffusers resolves it
 * @param layersPerBlock resnets per down block (up blocks have one more)
 * @param crossAttentionDim per block; the text embedding width the attention layers read
 * @param transformerLayersPerBlock per block
 * @param attentionHeadDim per block, as written in the config (for SD checkpoints this is really the head count)
 * @param numAttentionHeads per block, resolved as diffusers does: {@code num_attention_heads}, else
 *     {@code attention_head_dim}
 */
public record UNet2DConditionConfig(
    OptionalInt sampleSize,
    int inChannels,
    int outChannels,
    boolean centerInputSample,
    boolean flipSinToCos,
    int freqShift,
    List<String> downBlockTypes,
    Optional<String> midBlockType,
    List<String> upBlockTypes,
    List<Boolean> onlyCrossAttention,
    boolean midBlockOnlyCrossAttention,
    List<Integer> blockOutChannels,
    List<Integer> layersPerBlock,
    int downsamplePadding,
    double midBlockScaleFactor,
    double dropout,
    String actFn,
    int normNumGroups,
    double normEps,
    List<Integer> crossAttentionDim,
    List<Integer> transformerLayersPerBlock,
    OptionalInt encoderHidDim,
    Optional<String> encoderHidDimType,
    List<Integer> attentionHeadDim,
    List<Integer> numAttentionHeads,
    boolean dualCrossAttention,
    boolean useLinearProjection,
    Optional<String> classEmbedType,
    Optional<String> additionEmbedType,
    OptionalInt additionTimeEmbedDim,
    OptionalInt numClassEmbeds,
    boolean upcastAttention,
    String resnetTimeScaleShift,
    boolean resnetSkipTimeAct,
    double resnetOutScaleFactor,
    String timeEmbeddingType,
    OptionalInt timeEmbeddingDim,
    Optional<String> timeEmbeddingActFn,
    Optional<String> timestepPostAct,
    OptionalInt timeCondProjDim,
    int convInKernel,
    int convOutKernel,
    OptionalInt projectionClassEmbeddingsInputDim,
    String attentionType,
    boolean classEmbeddingsConcat,
    Optional<String> crossAttentionNorm,
    int additionEmbedTypeNumHeads) {

  static final String CLASS_NAME = "UNet2DConditionModel";

  public UNet2DConditionConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    onlyCrossAttention = List.copyOf(onlyCrossAttention);
    blockOutChannels = List.copyOf(blockOutChannels);
    layersPerBlock = List.copyOf(layersPerBlock);
    crossAttentionDim = List.copyOf(crossAttentionDim);
    transformerLayersPerBlock = List.copyOf(transformerLayersPerBlock);
    attentionHeadDim = List.copyOf(attentionHeadDim);
    numAttentionHeads = List.copyOf(numAttentionHeads);
  }

  /**
   * Reads and validates a {@code config.json}.
   *
   * @throws ModelLoadException listing every problem in the file
   */
  public static UNet2DConditionConfig read(Path configJson) {
    return ConfigReader.readOrThrow(configJson, "UNet config", UNet2DConditionConfig::from);
  }

  /** Reads with diffusers' defaults, recording problems in the reader; the result is meaningless if there are any. */
  static UNet2DConditionConfig from(ConfigReader c) {
    return from(c, CLASS_NAME);
  }

  /** {@link #from(ConfigReader)} for a config of class {@code className} that shares the UNet's keys (ControlNet's). */
  static UNet2DConditionConfig from(ConfigReader c, String className) {
    c.expectClass(className);
    List<String> down = c.strings("down_block_types",
        List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"));
    // A ControlNet has no up blocks: its config leaves them out, and they mirror the down blocks.
    List<String> up = c.has("up_block_types") || className.equals(CLASS_NAME) ? c.strings("up_block_types",
        List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"))
        : down.reversed().stream().map(t -> t.replace("Down", "Up")).toList();
    List<Integer> channels = c.integers("block_out_channels", List.of(320, 640, 1280, 1280));
    int blocks = down.size();
    if (up.size() != blocks) {
      c.problem("up_block_types has " + up.size() + " entries but down_block_types has " + blocks);
    }
    if (channels.size() != blocks) {
      c.problem("block_out_channels has " + channels.size() + " entries but down_block_types has " + blocks);
    }
    if (c.has("reverse_transformer_layers_per_block")) {
      c.problem("reverse_transformer_layers_per_block (asymmetric UNets) is not supported");
    }
    boolean uniformOnlyCross = !c.root().path("only_cross_attention").isArray();
    List<Boolean> onlyCross = c.booleanPerBlock("only_cross_attention", false, blocks);
    // diffusers: an absent or null value follows a single only_cross_attention flag, and is false after a list.
    boolean midOnlyCross = c.has("mid_block_only_cross_attention")
        ? c.bool("mid_block_only_cross_attention", false) : uniformOnlyCross && onlyCross.contains(true);
    List<Integer> headDim = c.integerPerBlock("attention_head_dim", 8, blocks);
    List<Integer> heads = c.has("num_attention_heads")
        ? c.integerPerBlock("num_attention_heads", 8, blocks) : headDim;
    return new UNet2DConditionConfig(
        sampleSize(c),
        c.integer("in_channels", 4),
        c.integer("out_channels", 4),
        c.bool("center_input_sample", false),
        c.bool("flip_sin_to_cos", true),
        c.integer("freq_shift", 0),
        down,
        c.nullableString("mid_block_type", Optional.of("UNetMidBlock2DCrossAttn")),
        up,
        onlyCross,
        midOnlyCross,
        channels,
        c.integerPerBlock("layers_per_block", 2, blocks),
        c.integer("downsample_padding", 1),
        c.number("mid_block_scale_factor", 1),
        c.number("dropout", 0),
        c.string("act_fn", "silu"),
        normNumGroups(c),
        c.number("norm_eps", 1e-5),
        c.integerPerBlock("cross_attention_dim", 1280, blocks),
        c.integerPerBlock("transformer_layers_per_block", 1, blocks),
        c.optionalInteger("encoder_hid_dim"),
        c.nullableString("encoder_hid_dim_type", Optional.empty()),
        headDim,
        heads,
        c.bool("dual_cross_attention", false),
        c.bool("use_linear_projection", false),
        c.nullableString("class_embed_type", Optional.empty()),
        c.nullableString("addition_embed_type", Optional.empty()),
        c.optionalInteger("addition_time_embed_dim"),
        c.optionalInteger("num_class_embeds"),
        c.bool("upcast_attention", false),
        c.string("resnet_time_scale_shift", "default"),
        c.bool("resnet_skip_time_act", false),
        c.number("resnet_out_scale_factor", 1),
        c.string("time_embedding_type", "positional"),
        c.optionalInteger("time_embedding_dim"),
        c.nullableString("time_embedding_act_fn", Optional.empty()),
        c.nullableString("timestep_post_act", Optional.empty()),
        c.optionalInteger("time_cond_proj_dim"),
        c.integer("conv_in_kernel", 3),
        c.integer("conv_out_kernel", 3),
        c.optionalInteger("projection_class_embeddings_input_dim"),
        c.string("attention_type", "default"),
        c.bool("class_embeddings_concat", false),
        c.nullableString("cross_attention_norm", Optional.empty()),
        c.integer("addition_embed_type_num_heads", 64));
  }

  /** {@code sample_size} is an int, or [height, width], which sdj accepts only when square. */
  private static OptionalInt sampleSize(ConfigReader c) {
    var node = c.root().get("sample_size");
    OptionalInt side;
    if (node != null && node.isArray()) {
      List<Integer> sides = c.integers("sample_size", List.of());
      if (sides.size() != 2 || !sides.get(0).equals(sides.get(1))) {
        c.problem("sample_size " + node + " is not square; sdj supports an integer or [n, n]");
        return OptionalInt.empty();
      }
      side = OptionalInt.of(sides.get(0));
    } else {
      side = c.optionalInteger("sample_size");
    }
    if (side.isPresent() && side.getAsInt() <= 0) {
      c.problem("sample_size " + node + " must be positive (the latent side the model was trained at)");
      return OptionalInt.empty();
    }
    return side;
  }

  /** diffusers allows null (no output group norm), which no Stable Diffusion UNet uses and sdj doesn't support. */
  private static int normNumGroups(ConfigReader c) {
    if (c.root().has("norm_num_groups") && c.root().get("norm_num_groups").isNull()) {
      c.problem("norm_num_groups null (a UNet without output group norm) is not supported");
      return 32;
    }
    return c.integer("norm_num_groups", 32);
  }

  /** The number of down blocks (= up blocks). */
  public int blockCount() {
    return downBlockTypes.size();
  }

  /** Width of the timestep embedding: {@code time_embedding_dim}, else 4x (positional) or 2x (fourier) channels[0]. */
  public int timeEmbedDim() {
    int factor = timeEmbeddingType.equals("fourier") ? 2 : 4;
    return timeEmbeddingDim.orElse(blockOutChannels.getFirst() * factor);
  }

  /** Attention heads in down block {@code block} (and in up block {@code blockCount()-1-block}). */
  public int numAttentionHeads(int block) {
    return numAttentionHeads.get(block);
  }

  /** Resnets in down block {@code block}. */
  public int layersPerBlock(int block) {
    return layersPerBlock.get(block);
  }

  /** Transformer layers in each attention of down block {@code block}. */
  public int transformerLayersPerBlock(int block) {
    return transformerLayersPerBlock.get(block);
  }

  /** Cross-attention width of down block {@code block}. */
  public int crossAttentionDim(int block) {
    return crossAttentionDim.get(block);
  }
}
