package org.sdj.model.vae;

import java.util.List;
import java.util.function.Function;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.model.Weights;
import org.sdj.model.nn.Conv2d;

/**
 * diffusers' {@code AutoencoderKL}: images to latent distributions and latents back to images. Safe to run from
 * several threads, each with its own {@link Ops}.
 *
 * <p>The encoder's weights go to the backend on the first {@link #encodeMoments} (its problems are still found when
 * the model is built): txt2img never encodes, and SD's encoder holds 68 MB of float16 weights.
 */
public final class AutoencoderKL {
  private final AutoencoderKLConfig config;
  private final Weights encoderWeights;
  private final Function<Weights, Encoder> encoderOf;
  /** Built on first use; guarded by this. */
  private Encoder encoder;
  private final Conv2d quantConv;
  private final Conv2d postQuantConv;
  private final Decoder decoder;

  /** Builds the autoencoder from {@code config} and {@code w}; problems are recorded in {@code w}, not thrown. */
  public AutoencoderKL(AutoencoderKLConfig config, Weights w) {
    this.config = config;
    List<Integer> channels = config.blockOutChannels();
    long[] blockOut = channels.stream().mapToLong(Integer::longValue).toArray();
    for (int i = 0; i < config.downBlockTypes().size(); i++) {
      if (!"DownEncoderBlock2D".equals(config.downBlockTypes().get(i))) {
        w.problem("unsupported down_block_types[" + i + "] " + config.downBlockTypes().get(i)
            + " (supported: DownEncoderBlock2D)");
      }
    }
    for (int i = 0; i < config.upBlockTypes().size(); i++) {
      if (!"UpDecoderBlock2D".equals(config.upBlockTypes().get(i))) {
        w.problem("unsupported up_block_types[" + i + "] " + config.upBlockTypes().get(i)
            + " (supported: UpDecoderBlock2D)");
      }
    }
    if (!"silu".equals(config.actFn())) {
      w.problem("unsupported act_fn " + config.actFn() + " (supported: silu)");
    }
    long latent = config.latentChannels();
    int groups = config.normNumGroups();
    this.encoderWeights = w.prefix("encoder");
    this.encoderOf = v -> new Encoder(v, config.inChannels(), latent, blockOut, config.layersPerBlock(), groups,
        config.midBlockAddAttention());
    encoderOf.apply(encoderWeights.checkOnly());
    this.quantConv = config.useQuantConv()
        ? Conv2d.load(w.prefix("quant_conv"), 2 * latent, 2 * latent, 1, Conv2dParams.of(1, 0)) : null;
    this.postQuantConv = config.usePostQuantConv()
        ? Conv2d.load(w.prefix("post_quant_conv"), latent, latent, 1, Conv2dParams.of(1, 0)) : null;
    this.decoder = new Decoder(w.prefix("decoder"), latent, config.outChannels(), blockOut, config.layersPerBlock(),
        groups, config.midBlockAddAttention());
  }

  /** The encoder, its weights sent to the backend on the first call. */
  private synchronized Encoder encoder() {
    if (encoder == null) {
      int known = encoderWeights.problems().size();
      Encoder e = encoderOf.apply(encoderWeights);
      List<String> problems = encoderWeights.problems();
      if (problems.size() > known) {
        throw new IllegalStateException("cannot load the VAE encoder: " + problems.subList(known, problems.size()));
      }
      encoder = e;
    }
    return encoder;
  }

  public AutoencoderKLConfig config() {
    return config;
  }

  /** How many pixels one latent covers along each axis ({@code 2^(blocks - 1)}: 8 for Stable Diffusion). */
  public int downscaleFactor() {
    return 1 << (config.blockOutChannels().size() - 1);
  }

  /**
   * The latent distribution's moments: {@code [N, in_channels, H, W] -> [N, 2 * latent_channels, H / f, W / f]}, mean
   * first, then log-variance (diffusers' {@code DiagonalGaussianDistribution} parameters).
   */
  public Tensor encodeMoments(Ops ops, Tensor image) {
    Tensor h = encoder().forward(ops, image);
    if (quantConv == null) {
      return h;
    }
    Tensor moments = quantConv.forward(ops, h);
    h.close();
    return moments;
  }

  /**
   * Decodes unscaled latents (already divided by {@code scaling_factor}): {@code [N, latent_channels, h, w] ->
   * [N, out_channels, h * f, w * f]}, in about {@code [-1, 1]}.
   */
  public Tensor decode(Ops ops, Tensor latents) {
    if (postQuantConv == null) {
      return decoder.forward(ops, latents);
    }
    Tensor z = postQuantConv.forward(ops, latents);
    Tensor out = decoder.forward(ops, z);
    z.close();
    return out;
  }
}
