package org.sdj.model.controlnet;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.blocks.EncoderHiddenStates;
import org.sdj.io.model.ControlNetConfig;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;
import org.sdj.model.unet.ControlResiduals;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.model.unet.UNetEncoder;

/**
 * diffusers' {@code ControlNetModel}: a copy of a UNet's encoder ({@link UNetEncoder}, its weights under the same
 * names) whose {@code conv_in} output gets the control image's embedding added, and whose every skip connection and
 * mid output go through a 1x1 "zero convolution" ({@code controlnet_down_blocks.i}, {@code controlnet_mid_block}) to
 * become residuals for the UNet. Built from its config and weights by state-dict name; immutable, safe to run from
 * several threads at once.
 */
public final class ControlNetModel {
  private final ControlNetConfig config;
  private final UNetEncoder encoder;
  private final ControlNetConditioningEmbedding conditioning;
  private final List<Conv2d> downZeroConvs = new ArrayList<>();
  private final Conv2d midZeroConv;

  /**
   * Builds the network {@code config} describes from {@code w}; unsupported config values and missing or misshapen
   * weights are recorded in {@code w}'s problems.
   */
  public ControlNetModel(ControlNetConfig config, Weights w) {
    this.config = config;
    UNet2DConditionConfig unet = config.unet();
    UNet2DConditionModel.rejectUnsupportedEncoder(unet, w);
    // diffusers' pipelines give a latent consistency model's guidance embedding to the UNet alone.
    unet.timeCondProjDim().ifPresent(d -> w.problem("unsupported time_cond_proj_dim " + d + " in a ControlNet"));
    this.encoder = new UNetEncoder(unet, w);
    List<Integer> channels = unet.blockOutChannels();
    this.conditioning = new ControlNetConditioningEmbedding(w.prefix("controlnet_cond_embedding"),
        config.conditioningChannels(), config.conditioningEmbeddingOutChannels(), channels.getFirst());
    // One zero convolution per skip connection: conv_in's, then each down block's resnets and downsampler.
    List<Long> widths = new ArrayList<>(List.of((long) channels.getFirst()));
    for (int i = 0; i < channels.size(); i++) {
      for (int j = 0; j < unet.layersPerBlock(i); j++) {
        widths.add((long) channels.get(i));
      }
      if (i < channels.size() - 1) {
        widths.add((long) channels.get(i));
      }
    }
    for (int i = 0; i < widths.size(); i++) {
      downZeroConvs.add(Conv2d.same(w.prefix("controlnet_down_blocks." + i), widths.get(i), widths.get(i), 1));
    }
    this.midZeroConv = Conv2d.same(w.prefix("controlnet_mid_block"), channels.getLast(), channels.getLast(), 1);
  }

  /** The config this network was built from. */
  public ControlNetConfig config() {
    return config;
  }

  /** Whether the ControlNet takes SDXL's added condition, as its UNet does. */
  public boolean takesAddedCondition() {
    return encoder.takesAddedCondition();
  }

  /**
   * The residuals for one UNet call, scaled by {@code scale}.
   *
   * @param sample the UNet's input latents {@code [N, in_channels, h, w]}
   * @param projection the timestep's projection {@code [N, block_out_channels[0]]}, as the UNet takes it
   * @param context text tokens {@code [N, L, cross_attention_dim]}
   * @param added SDXL's added condition, where the ControlNet takes it
   * @param image the control image {@code [N, conditioning_channels, h * f, w * f]} in [0, 1], RGB (BGR where the
   *     config says so)
   * @param scale diffusers' {@code controlnet_conditioning_scale}
   */
  public ControlResiduals forward(Ops ops, Tensor sample, Tensor projection, Tensor context, Optional<Tensor> added,
      Tensor image, float scale) {
    Tensor siluTemb = encoder.siluEmbedding(ops, projection, added);
    Tensor h = encoder.convIn(ops, sample);
    Tensor cond = conditioning.forward(ops, image);
    Tensor first = ops.add(h, cond);
    h.close();
    cond.close();
    List<Tensor> skips = new ArrayList<>();
    skips.add(first);
    // A ControlNet reads the text alone, as diffusers' ControlNetModel (whose attention has no IP-Adapter).
    Tensor mid = encoder.downAndMid(ops, first, siluTemb, EncoderHiddenStates.text(context), skips);
    siluTemb.close();
    if (skips.size() != downZeroConvs.size()) {
      throw new IllegalStateException(skips.size() + " skip connections for " + downZeroConvs.size()
          + " zero convolutions");
    }
    List<Tensor> down = new ArrayList<>();
    for (int i = 0; i < skips.size(); i++) {
      down.add(scaled(ops, downZeroConvs.get(i).forward(ops, skips.get(i)), scale));
      skips.get(i).close();
    }
    Tensor midResidual = scaled(ops, midZeroConv.forward(ops, mid), scale);
    mid.close();
    return new ControlResiduals(down, midResidual);
  }

  private static Tensor scaled(Ops ops, Tensor x, float scale) {
    if (scale == 1f) {
      return x;
    }
    Tensor y = ops.scale(x, scale);
    x.close();
    return y;
  }
}
