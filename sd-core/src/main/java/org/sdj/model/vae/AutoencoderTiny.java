package org.sdj.model.vae;

import java.util.Optional;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.AutoencoderTinyConfig;
import org.sdj.model.Weights;

/**
 * diffusers' {@code AutoencoderTiny}: TAESD, a distilled autoencoder of Stable Diffusion's latent space (a few
 * percent of the VAE's work, pictures a little softer). It speaks TAESD's ranges: pictures in [0, 1] where diffusers'
 * wrapper takes and gives [-1, 1]. TAESD's original files hold the encoder and the decoder apart, so either may be
 * absent. Safe to run from several threads, each with its own {@link Ops}.
 */
public final class AutoencoderTiny {
  private final AutoencoderTinyConfig config;
  private final Optional<EncoderTiny> encoder;
  private final Optional<DecoderTiny> decoder;

  /**
   * Builds the parts of {@code w} ({@code encoder.layers.N}, {@code decoder.layers.N}) that {@code withEncoder} and
   * {@code withDecoder} ask for; problems are recorded in {@code w}, not thrown.
   */
  public AutoencoderTiny(AutoencoderTinyConfig config, Weights w, boolean withEncoder, boolean withDecoder) {
    this.config = config;
    int halvings = config.encoderBlockOutChannels().size() - 1;
    if (withEncoder && 1 << halvings != config.downscaleFactor()) {
      w.problem("the encoder shrinks " + (1 << halvings) + " times, the decoder enlarges " + config.downscaleFactor()
          + " times: they must agree");
    }
    this.encoder = withEncoder ? Optional.of(new EncoderTiny(w.prefix("encoder.layers"), config)) : Optional.empty();
    this.decoder = withDecoder ? Optional.of(new DecoderTiny(w.prefix("decoder.layers"), config)) : Optional.empty();
  }

  public AutoencoderTinyConfig config() {
    return config;
  }

  public boolean hasEncoder() {
    return encoder.isPresent();
  }

  public boolean hasDecoder() {
    return decoder.isPresent();
  }

  /**
   * Encodes pictures to unscaled latents: {@code [N, in_channels, H, W]} in [0, 1] {@code -> [N, latent_channels,
   * H / f, W / f]} (no distribution to sample, unlike {@link AutoencoderKL}).
   *
   * @throws IllegalStateException if it has no encoder
   */
  public Tensor encode(Ops ops, Tensor pictures) {
    return encoder.orElseThrow(() -> new IllegalStateException("this tiny autoencoder has no encoder"))
        .forward(ops, pictures);
  }

  /**
   * Decodes unscaled latents (already divided by {@code scaling_factor}): {@code [N, latent_channels, h, w] ->
   * [N, out_channels, h * f, w * f]}, in about [0, 1].
   *
   * @throws IllegalStateException if it has no decoder
   */
  public Tensor decode(Ops ops, Tensor latents) {
    return decoder.orElseThrow(() -> new IllegalStateException("this tiny autoencoder has no decoder"))
        .forward(ops, latents);
  }
}
