package org.sdj.model.unet;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.model.Weights;
import org.sdj.model.blocks.EncoderHiddenStates;
import org.sdj.model.blocks.TimestepEmbedding;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.nn.GroupNorm;

/**
 * diffusers' {@code UNet2DConditionModel} as Stable Diffusion 1.x, 2.x and XL use it: predicts the noise (or v) in a
 * latent at a timestep, conditioned on text tokens (and for SDXL, {@code addition_embed_type "text_time"}, on a pooled
 * text embedding and six size numbers through {@code add_embedding}). Built from its config and weights by state-dict name; immutable and safe
 * to run from several threads at once, each with its own {@link Ops}.
 */
public final class UNet2DConditionModel {
  /** SDXL's time ids: original height and width, crop top and left, target height and width. */
  public static final int TIME_IDS = 6;
  /** SDXL refiner's time ids: original height and width, crop top and left, aesthetic score. */
  public static final int AESTHETIC_TIME_IDS = 5;
  private final UNet2DConditionConfig config;
  /** The time embedding, conv_in, the down and the mid blocks. */
  private final UNetEncoder encoder;
  private final List<UpBlock2D> upBlocks = new ArrayList<>();
  private final GroupNorm convNormOut;
  private final Conv2d convOut;
  /** The names of the self-attention modules, as diffusers names them, for perturbed-attention guidance's layers. */
  private final List<String> selfAttentionLayers;

  /**
   * Builds the network that {@code config} describes from {@code w}. Unsupported config values and missing or
   * misshapen weights are recorded in {@code w}'s problems, not thrown.
   */
  public UNet2DConditionModel(UNet2DConditionConfig config, Weights w) {
    this.config = config;
    rejectUnsupported(config, w);
    List<Integer> channels = config.blockOutChannels();
    int blocks = channels.size();
    UNetBlockSettings s = UNetBlockSettings.of(config);
    this.encoder = new UNetEncoder(config, w);
    long prevOut = channels.get(blocks - 1);
    for (int i = 0; i < blocks; i++) {
      int mirror = blocks - 1 - i;
      long outCh = channels.get(mirror);
      long inCh = channels.get(Math.max(mirror - 1, 0));
      boolean last = i == blocks - 1;
      Weights bw = w.prefix("up_blocks." + i);
      String type = config.upBlockTypes().get(i);
      switch (type) {
        case "CrossAttnUpBlock2D" -> upBlocks.add(new CrossAttnUpBlock2D(bw, inCh, prevOut, outCh,
            config.layersPerBlock(mirror) + 1, !last, s, CrossAttention.of(config, mirror)));
        case "UpBlock2D" -> upBlocks.add(new UpBlock2D(bw, inCh, prevOut, outCh, config.layersPerBlock(mirror) + 1,
            !last, s));
        default -> w.problem("unsupported up_block_types[" + i + "] " + type
            + " (supported: CrossAttnUpBlock2D, UpBlock2D)");
      }
      prevOut = outCh;
    }
    this.convNormOut = GroupNorm.load(w.prefix("conv_norm_out"), channels.get(0), config.normNumGroups(),
        (float) config.normEps());
    this.convOut = Conv2d.same(w.prefix("conv_out"), channels.get(0), config.outChannels(), config.convOutKernel());
    String query = ".attn1.to_q.weight";
    this.selfAttentionLayers = w.names().stream().filter(n -> n.endsWith(query))
        .map(n -> n.substring(0, n.length() - query.length() + ".attn1".length())).toList();
  }

  /**
   * The self-attention modules' names ({@code down_blocks.0.attentions.0.transformer_blocks.0.attn1}, ...), which
   * perturbed-attention guidance's layer patterns are found in.
   */
  public List<String> selfAttentionLayers() {
    return selfAttentionLayers;
  }

  /** Config values neither the UNet nor a ControlNet copying its encoder supports, as problems of {@code w}. */
  static void rejectUnsupported(UNet2DConditionConfig c, Weights w) {
    rejectUnsupportedEncoder(c, w);
    if (c.upBlockTypes().size() != c.blockOutChannels().size()) {
      w.problem("down_block_types, up_block_types and block_out_channels must have the same length");
    }
  }

  /** The config values of the encoder half ({@link UNetEncoder}) that sdj does not support, as problems of {@code w}. */
  public static void rejectUnsupportedEncoder(UNet2DConditionConfig c, Weights w) {
    if (!c.midBlockType().equals(Optional.of("UNetMidBlock2DCrossAttn"))) {
      w.problem("unsupported mid_block_type " + c.midBlockType().orElse("null")
          + " (supported: UNetMidBlock2DCrossAttn)");
    }
    if (c.downBlockTypes().size() != c.blockOutChannels().size()) {
      w.problem("down_block_types and block_out_channels must have the same length");
    }
    if (c.centerInputSample()) {
      w.problem("unsupported center_input_sample true");
    }
    c.classEmbedType().ifPresent(t -> w.problem("unsupported class_embed_type " + t));
    c.additionEmbedType().filter(t -> !UNetEncoder.TEXT_TIME.equals(t)).ifPresent(t -> w.problem(
        "unsupported addition_embed_type " + t + " (supported: text_time, SDXL's)"));
    if (c.additionEmbedType().filter(UNetEncoder.TEXT_TIME::equals).isPresent()) {
      if (c.additionTimeEmbedDim().isEmpty() || c.projectionClassEmbeddingsInputDim().isEmpty()) {
        w.problem("addition_embed_type text_time needs addition_time_embed_dim and"
            + " projection_class_embeddings_input_dim");
      } else if (c.projectionClassEmbeddingsInputDim().getAsInt()
          <= AESTHETIC_TIME_IDS * c.additionTimeEmbedDim().getAsInt()) {
        w.problem("projection_class_embeddings_input_dim " + c.projectionClassEmbeddingsInputDim().getAsInt()
            + " leaves no room for the pooled text embedding beside " + AESTHETIC_TIME_IDS + " time ids of "
            + c.additionTimeEmbedDim().getAsInt());
      }
    }
    c.encoderHidDim().ifPresent(d -> w.problem("unsupported encoder_hid_dim " + d));
    if (c.dualCrossAttention()) {
      w.problem("unsupported dual_cross_attention true");
    }
    if (!"default".equals(c.attentionType())) {
      w.problem("unsupported attention_type " + c.attentionType() + " (supported: default)");
    }
    if (!"positional".equals(c.timeEmbeddingType())) {
      w.problem("unsupported time_embedding_type " + c.timeEmbeddingType() + " (supported: positional)");
    }
    if (!"default".equals(c.resnetTimeScaleShift())) {
      w.problem("unsupported resnet_time_scale_shift " + c.resnetTimeScaleShift() + " (supported: default)");
    }
    if (!"silu".equals(c.actFn())) {
      w.problem("unsupported act_fn " + c.actFn() + " (supported: silu)");
    }
  }

  /** The config this network was built from. */
  public UNet2DConditionConfig config() {
    return config;
  }

  /**
   * One prediction.
   *
   * @param sample noisy latents {@code [N, in_channels, h, w]}
   * @param timestep the scheduler's timestep, the same for the whole batch
   * @param context text tokens {@code [N, L, cross_attention_dim]}
   * @return {@code [N, out_channels, h, w]}
   */
  public Tensor forward(Ops ops, Tensor sample, double timestep, Tensor context) {
    int batch = Math.toIntExact(sample.dim(0));
    try (Tensor projection = timestepProjection(ops, timestep, batch)) {
      return forward(ops, sample, projection, context);
    }
  }

  /**
   * The timestep's sinusoidal projection {@code [batch, block_out_channels[0]]}, computed on the host in double
   * precision, as a tensor of {@code ops}: the input of {@link #forward(Ops, Tensor, Tensor, Tensor)}.
   */
  public Tensor timestepProjection(Ops ops, double timestep, int batch) {
    return timestepProjections(ops, new double[] {timestep}, batch);
  }

  /**
   * The projections of several timesteps in one tensor {@code [timesteps.length * batch, block_out_channels[0]]},
   * {@code batch} rows per timestep in order: a denoising loop uploads them all before its first step and narrows
   * out each step's rows, so that no step copies from the host.
   */
  public Tensor timestepProjections(Ops ops, double[] timesteps, int batch) {
    TimestepEmbedding timeEmbedding = encoder.timeEmbedding();
    int rows = batch * timeEmbedding.channels();
    float[] all = new float[Math.multiplyExact(timesteps.length, rows)];
    for (int i = 0; i < timesteps.length; i++) {
      System.arraycopy(timeEmbedding.projection(timesteps[i], batch), 0, all, i * rows, rows);
    }
    return ops.fromHost(all, (long) timesteps.length * batch, timeEmbedding.channels());
  }

  /**
   * Whether the UNet takes its guidance scale as an embedding beside the timestep ({@code time_cond_proj_dim}: a
   * latent consistency model distilled with guidance), in place of classifier-free guidance's unconditional pass.
   */
  public boolean takesGuidanceEmbedding() {
    return encoder.takesTimestepCondition();
  }

  /**
   * The {@code timestep_cond} input of diffusers' pipelines for a UNet that {@link #takesGuidanceEmbedding() takes
   * its guidance scale as an embedding}: {@code get_guidance_scale_embedding(guidanceScale - 1)} for every row.
   *
   * @return {@code [batch, time_cond_proj_dim]} flattened
   * @throws IllegalStateException for a UNet without {@code time_cond_proj_dim}
   */
  public float[] guidanceEmbedding(double guidanceScale, int batch) {
    if (!takesGuidanceEmbedding()) {
      throw new IllegalStateException("this UNet takes no guidance scale embedding");
    }
    int dim = config.timeCondProjDim().getAsInt();
    float[] row = TimestepEmbedding.guidanceScaleEmbedding(guidanceScale - 1, dim);
    float[] out = new float[batch * dim];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(row, 0, out, b * dim, dim);
    }
    return out;
  }

  /** Whether the UNet takes SDXL's added condition ({@code addition_embed_type text_time}). */
  public boolean takesAddedCondition() {
    return encoder.takesAddedCondition();
  }

  /**
   * The width of the pooled text embedding SDXL's {@code add_embedding} takes beside {@code timeIds} time ids
   * ({@code projection_class_embeddings_input_dim - timeIds * addition_time_embed_dim}: {@link #TIME_IDS} for SDXL
   * base, {@link #AESTHETIC_TIME_IDS} for its refiner).
   *
   * @throws IllegalStateException for a UNet without {@code add_embedding}
   */
  public int pooledTextWidth(int timeIds) {
    if (!takesAddedCondition()) {
      throw new IllegalStateException("this UNet takes no added condition");
    }
    return config.projectionClassEmbeddingsInputDim().getAsInt() - timeIds * config.additionTimeEmbedDim().getAsInt();
  }

  /**
   * SDXL's added conditioning, as diffusers' {@code get_aug_embed} assembles it before {@code add_embedding}: each
   * row's pooled text embedding, then its time ids through {@code add_time_proj}, computed on the host.
   *
   * @param pooled {@code [N, pooledTextWidth(idsPerRow)]} flattened
   * @param timeIds {@code [N, idsPerRow]} flattened
   * @param idsPerRow {@link #TIME_IDS} or {@link #AESTHETIC_TIME_IDS}
   * @return {@code [N, projection_class_embeddings_input_dim]} flattened: the {@code added} input of {@link
   *     #forward(Ops, Tensor, Tensor, Tensor, Optional)}
   */
  public float[] addedCondition(float[] pooled, double[] timeIds, int idsPerRow) {
    int width = pooledTextWidth(idsPerRow);
    int rows = timeIds.length / idsPerRow;
    if (width <= 0 || timeIds.length != rows * idsPerRow || pooled.length != rows * width) {
      throw new IllegalArgumentException(pooled.length + " pooled values and " + timeIds.length
          + " time ids are not " + rows + " rows of " + width + " and " + idsPerRow);
    }
    int dim = config.additionTimeEmbedDim().getAsInt();
    float[] times = TimestepEmbedding.projections(timeIds, dim, config.flipSinToCos(), config.freqShift());
    int total = width + idsPerRow * dim;
    float[] out = new float[rows * total];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(pooled, r * width, out, r * total, width);
      System.arraycopy(times, r * idsPerRow * dim, out, r * total + width, idsPerRow * dim);
    }
    return out;
  }

  /**
   * One prediction with the timestep given as its projection ({@link #timestepProjection}), so that every input is a
   * tensor: the form a {@link org.sdj.backend.Replay} records.
   *
   * @param sample noisy latents {@code [N, in_channels, h, w]}
   * @param projection {@code [N, block_out_channels[0]]}
   * @param context text tokens {@code [N, L, cross_attention_dim]}
   * @return {@code [N, out_channels, h, w]}
   */
  public Tensor forward(Ops ops, Tensor sample, Tensor projection, Tensor context) {
    return forward(ops, sample, projection, context, Optional.empty());
  }

  /**
   * {@link #forward(Ops, Tensor, Tensor, Tensor)} with SDXL's added conditioning, which a UNet with
   * {@code addition_embed_type "text_time"} needs.
   *
   * @param added {@code [N, projection_class_embeddings_input_dim]} ({@link #addedCondition})
   * @throws IllegalArgumentException if {@code added} is missing where the UNet needs it, or given where it takes none
   */
  public Tensor forward(Ops ops, Tensor sample, Tensor projection, Tensor context, Optional<Tensor> added) {
    return forward(ops, sample, projection, context, added, Optional.empty());
  }

  /**
   * {@link #forward(Ops, Tensor, Tensor, Tensor, Optional)} with a ControlNet's residuals added to the skip
   * connections and to the mid block's output (diffusers' {@code down_block_additional_residuals} and
   * {@code mid_block_additional_residual}).
   */
  public Tensor forward(Ops ops, Tensor sample, Tensor projection, Tensor context, Optional<Tensor> added,
      Optional<ControlResiduals> control) {
    return forward(ops, sample, projection, EncoderHiddenStates.text(context), added, control);
  }

  /**
   * {@link #forward(Ops, Tensor, Tensor, Tensor, Optional, Optional)} with the image tokens of the IP-Adapters loaded
   * into the UNet's weights beside the text (diffusers' {@code encoder_hidden_states} with {@code image_embeds}).
   *
   * @param context the text {@code [N, L, cross_attention_dim]}, and one entry for each IP-Adapter loaded into the
   *     weights, or none
   * @throws IllegalArgumentException if the image prompts are not one for each IP-Adapter
   */
  public Tensor forward(Ops ops, Tensor sample, Tensor projection, EncoderHiddenStates context,
      Optional<Tensor> added, Optional<ControlResiduals> control) {
    return forward(ops, sample, projection, context, added, control, Optional.empty());
  }

  /**
   * {@link #forward(Ops, Tensor, Tensor, EncoderHiddenStates, Optional, Optional)} with a latent consistency model's
   * guidance scale embedding (diffusers' {@code timestep_cond}).
   *
   * @param timestepCond {@code [N, time_cond_proj_dim]} ({@link #guidanceEmbedding}), where the UNet {@link
   *     #takesGuidanceEmbedding() takes it}
   * @throws IllegalArgumentException if {@code timestepCond} is missing where the UNet needs it, or given where it
   *     takes none
   */
  public Tensor forward(Ops ops, Tensor sample, Tensor projection, EncoderHiddenStates context,
      Optional<Tensor> added, Optional<ControlResiduals> control, Optional<Tensor> timestepCond) {
    return forward(ops, sample, projection, context, new UNetExtras(added, control, timestepCond, List.of(),
        Optional.empty(), Optional.empty()));
  }

  /**
   * One prediction with everything a call may take beside the latents, the timestep and the text.
   *
   * @param sample noisy latents {@code [N, in_channels, h, w]}
   * @param projection {@code [N, block_out_channels[0]]} ({@link #timestepProjection})
   * @param text the text {@code [N, L, cross_attention_dim]}, with the IP-Adapters' image tokens
   * @return {@code [N, out_channels, h, w]}
   * @throws IllegalArgumentException if {@code extras} lacks what the UNet needs, has what it takes none of, or has
   *     feature maps that do not fit its blocks
   */
  public Tensor forward(Ops ops, Tensor sample, Tensor projection, EncoderHiddenStates text, UNetExtras extras) {
    EncoderHiddenStates context = extras.perturbed().isPresent() ? text.withPerturbed(extras.perturbed()) : text;
    Tensor siluTemb = encoder.siluEmbedding(ops, projection, extras.added(), extras.timestepCond());
    List<Tensor> skips = new ArrayList<>();
    Tensor h = encoder.convIn(ops, sample);
    skips.add(h);
    h = encoder.downAndMid(ops, h, siluTemb, context, skips, extras.adapterFeatures());
    if (extras.control().isPresent()) {
      h = extras.control().get().addTo(ops, skips, h);
    }
    for (int i = 0; i < upBlocks.size(); i++) {
      int index = i;
      Tensor next = upBlocks.get(i).forward(ops, h, siluTemb, context, skips,
          extras.freeU().flatMap(f -> f.stage(index)));
      h.close();
      h = next;
    }
    siluTemb.close();
    Tensor n = convNormOut.forwardSilu(ops, h);
    h.close();
    Tensor out = convOut.forward(ops, n);
    n.close();
    return out;
  }
}
