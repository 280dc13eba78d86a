package org.sdj.model.unet;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.Activation;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.blocks.EncoderHiddenStates;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.model.Weights;
import org.sdj.model.blocks.TimestepEmbedding;
import org.sdj.model.nn.Conv2d;

/**
 * The half of a UNet that a ControlNet copies: the time embedding (with SDXL's {@code add_embedding}),
 * {@code conv_in}, the down blocks and the mid block, under their state-dict names in both. {@link
 * UNet2DConditionModel} runs it before its up blocks; {@code org.sdj.model.controlnet.ControlNetModel} before its zero
 * convolutions.
 */
public final class UNetEncoder {
  /** {@code addition_embed_type} of SDXL's added condition. */
  static final String TEXT_TIME = "text_time";
  private final TimestepEmbedding timeEmbedding;
  /** SDXL's {@code add_embedding} (addition_embed_type text_time). */
  private final Optional<TimestepEmbedding> addEmbedding;
  private final Conv2d convIn;
  private final List<DownBlock2D> downBlocks = new ArrayList<>();
  private final UNetMidBlock2DCrossAttn midBlock;

  /**
   * Builds the encoder {@code config} describes from {@code w}; missing or misshapen weights and unsupported block
   * types are recorded in {@code w}'s problems.
   */
  public UNetEncoder(UNet2DConditionConfig config, Weights w) {
    List<Integer> channels = config.blockOutChannels();
    int blocks = channels.size();
    UNetBlockSettings s = UNetBlockSettings.of(config);
    this.timeEmbedding = new TimestepEmbedding(w.prefix("time_embedding"), channels.get(0), s.tembChannels(),
        config.flipSinToCos(), config.freqShift(), config.timeCondProjDim());
    // Built only from a complete config: UNet2DConditionModel.rejectUnsupported reports the rest.
    boolean textTime = config.additionEmbedType().filter(TEXT_TIME::equals).isPresent()
        && config.additionTimeEmbedDim().isPresent() && config.projectionClassEmbeddingsInputDim().isPresent()
        && config.projectionClassEmbeddingsInputDim().getAsInt()
            > UNet2DConditionModel.AESTHETIC_TIME_IDS * config.additionTimeEmbedDim().getAsInt();
    this.addEmbedding = textTime ? Optional.of(new TimestepEmbedding(w.prefix("add_embedding"),
        config.projectionClassEmbeddingsInputDim().getAsInt(), s.tembChannels(), config.flipSinToCos(),
        config.freqShift())) : Optional.empty();
    this.convIn = Conv2d.same(w.prefix("conv_in"), config.inChannels(), channels.get(0), config.convInKernel());
    long out = channels.get(0);
    for (int i = 0; i < blocks; i++) {
      long in = out;
      out = channels.get(i);
      boolean last = i == blocks - 1;
      Weights bw = w.prefix("down_blocks." + i);
      String type = config.downBlockTypes().get(i);
      switch (type) {
        case "CrossAttnDownBlock2D" -> downBlocks.add(new CrossAttnDownBlock2D(bw, in, out,
            config.layersPerBlock(i), !last, config.downsamplePadding(), s, CrossAttention.of(config, i)));
        case "DownBlock2D" -> downBlocks.add(new DownBlock2D(bw, in, out, config.layersPerBlock(i), !last,
            config.downsamplePadding(), s));
        default -> w.problem("unsupported down_block_types[" + i + "] " + type
            + " (supported: CrossAttnDownBlock2D, DownBlock2D)");
      }
    }
    this.midBlock = new UNetMidBlock2DCrossAttn(w.prefix("mid_block"), channels.get(blocks - 1), s,
        CrossAttention.mid(config), (float) config.midBlockScaleFactor());
  }

  /** The time embedding, whose sinusoidal projections a denoising loop computes on the host. */
  TimestepEmbedding timeEmbedding() {
    return timeEmbedding;
  }

  /** Whether the encoder takes a guidance scale embedding beside the timestep ({@code time_cond_proj_dim}). */
  public boolean takesTimestepCondition() {
    return timeEmbedding.takesCondition();
  }

  /** Whether the encoder takes SDXL's added condition ({@code addition_embed_type text_time}). */
  public boolean takesAddedCondition() {
    return addEmbedding.isPresent();
  }

  /**
   * {@code silu(time_embedding(projection) + add_embedding(added))}, what every resnet takes.
   *
   * @param projection {@code [N, block_out_channels[0]]}
   * @param added {@code [N, projection_class_embeddings_input_dim]}, where the encoder takes it
   * @return {@code [N, time_embed_dim]}
   * @throws IllegalArgumentException if {@code added} is missing where the encoder needs it, or given where it takes
   *     none
   */
  public Tensor siluEmbedding(Ops ops, Tensor projection, Optional<Tensor> added) {
    return siluEmbedding(ops, projection, added, Optional.empty());
  }

  /**
   * {@link #siluEmbedding(Ops, Tensor, Optional)} with a latent consistency model's guidance scale embedding added
   * through {@code time_embedding.cond_proj} (diffusers' {@code timestep_cond}).
   *
   * @param timestepCond {@code [N, time_cond_proj_dim]}, where the encoder {@link #takesTimestepCondition() takes it}
   * @throws IllegalArgumentException if {@code timestepCond} is missing where the encoder needs it, or given where it
   *     takes none
   */
  public Tensor siluEmbedding(Ops ops, Tensor projection, Optional<Tensor> added, Optional<Tensor> timestepCond) {
    if (added.isPresent() != addEmbedding.isPresent()) {
      throw new IllegalArgumentException(addEmbedding.isPresent()
          ? "this UNet (addition_embed_type text_time, SDXL) needs the pooled text embedding and time ids"
          : "this UNet takes no added conditioning");
    }
    Tensor emb = timeEmbedding.forward(ops, projection, timestepCond);
    if (added.isPresent()) {
      Tensor aug = addEmbedding.get().forward(ops, added.get());
      Tensor sum = ops.add(emb, aug);
      emb.close();
      aug.close();
      emb = sum;
    }
    Tensor silu = ops.activation(emb, Activation.SILU);
    emb.close();
    return silu;
  }

  /** {@code conv_in}: {@code [N, in_channels, h, w] -> [N, block_out_channels[0], h, w]}. */
  public Tensor convIn(Ops ops, Tensor sample) {
    return convIn.forward(ops, sample);
  }

  /**
   * The down blocks and the mid block from {@code h}, {@code conv_in}'s output (with a ControlNet's conditioning
   * added), which {@code skips} must already hold as its first entry.
   *
   * @param skips receives every down block's outputs, in order (the skip connections)
   * @return the mid block's output
   */
  public Tensor downAndMid(Ops ops, Tensor h, Tensor siluTemb, EncoderHiddenStates context,
      List<Tensor> skips) {
    return downAndMid(ops, h, siluTemb, context, skips, List.of());
  }

  /**
   * {@link #downAndMid(Ops, Tensor, Tensor, EncoderHiddenStates, List)} with a T2I-Adapter's feature maps (diffusers'
   * {@code down_intrablock_additional_residuals}): one for each down block in order, and one more for the mid
   * block's output where the adapter has it (SDXL's).
   *
   * @throws IllegalArgumentException if the feature maps do not fit the blocks
   */
  public Tensor downAndMid(Ops ops, Tensor h, Tensor siluTemb, EncoderHiddenStates context,
      List<Tensor> skips, List<Tensor> adapterFeatures) {
    if (adapterFeatures.size() > downBlocks.size() + 1) {
      throw new IllegalArgumentException("a T2I-Adapter gives " + adapterFeatures.size() + " feature maps, this UNet"
          + " takes at most " + (downBlocks.size() + 1) + ": an adapter for another model?");
    }
    Tensor x = h;
    for (int i = 0; i < downBlocks.size(); i++) {
      Optional<Tensor> feature = i < adapterFeatures.size() ? Optional.of(adapterFeatures.get(i)) : Optional.empty();
      x = downBlocks.get(i).forward(ops, x, siluTemb, context, skips, feature);
    }
    Tensor mid = midBlock.forward(ops, x, siluTemb, context);
    return adapterFeatures.size() > downBlocks.size()
        ? DownBlock2D.withFeature(ops, mid, adapterFeatures.getLast()) : mid;
  }
}
