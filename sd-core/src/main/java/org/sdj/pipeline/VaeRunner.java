package org.sdj.pipeline;

import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.function.BiFunction;
import org.sdj.Tiling;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.SeamlessOps;
import org.sdj.backend.Tensor;
import org.sdj.model.vae.AutoencoderKL;
import org.sdj.model.vae.AutoencoderTiny;
import org.sdj.scheduler.LatentMath;
import org.sdj.scheduler.NoiseSource;

/**
 * The pipeline's passes between pictures and latents: the model's VAE (tile by tile where VAE tiling is on, again in
 * 32 bits where 16 overflowed), or TAESD in its place for the parts it has (tile by tile as diffusers tiles it,
 * {@link TinyTiles}), as diffusers runs a pipeline whose {@code vae} is an {@code AutoencoderTiny}. Immutable.
 */
final class VaeRunner {
  private static final System.Logger LOG = System.getLogger(VaeRunner.class.getName());
  private final PipelineComponents components;
  private final Backend backend;
  /** Whether the model's VAE runs tile by tile on pictures larger than its tile ({@link VaeTiles}). */
  private final boolean vaeTiling;
  /** Which convolutions wrap around, for seamless pictures. */
  private final Tiling tiling;
  /** TAESD in place of the model's VAE; empty for none. */
  private final Optional<AutoencoderTiny> tiny;

  VaeRunner(PipelineComponents components, Backend backend, boolean vaeTiling, Tiling tiling,
      Optional<AutoencoderTiny> tiny) {
    if (tiling != Tiling.NONE && vaeTiling) {
      throw new IllegalArgumentException("seamless tiling wraps the picture around its edges, which VAE tiling would"
          + " cut into tiles: turn VAE tiling off (StableDiffusion.builder().vaeTiling(false), no --vae-tiling) or"
          + " seamless tiling");
    }
    this.components = components;
    this.backend = backend;
    this.vaeTiling = vaeTiling;
    this.tiling = tiling;
    this.tiny = tiny;
  }

  VaeRunner seamless(Tiling tiling) {
    return new VaeRunner(components, backend, vaeTiling, tiling, tiny);
  }

  VaeRunner withTiny(Optional<AutoencoderTiny> tiny) {
    return new VaeRunner(components, backend, vaeTiling, tiling, tiny);
  }

  Optional<AutoencoderTiny> tiny() {
    return tiny;
  }

  /**
   * Pictures to scaled latents. The model's VAE samples its posterior, as diffusers' img2img does with
   * {@code latent_dist.sample(generator)}: {@code (mean + exp(logvar / 2) * noise) * scaling_factor}, log-variance
   * clamped to [-30, 20]. TAESD's encoder gives its latents as they are (times its {@code scaling_factor}, 1) and
   * draws nothing, as diffusers' {@code retrieve_latents} takes an {@code AutoencoderTiny}'s.
   */
  float[] encode(float[] image, long[] imageShape, NoiseSource noise) {
    if (tiny.isPresent() && tiny.get().hasEncoder()) {
      AutoencoderTiny taesd = tiny.get();
      float[] unit = new float[image.length];
      for (int i = 0; i < image.length; i++) {
        unit[i] = (image[i] + 1) / 2;
      }
      VaeTiles.Pass encode = (x, shape) -> run(backend, taesd, (ops, t) -> t.encode(ops, ops.fromHost(x, shape)));
      float[] latents = vaeTiling ? new TinyTiles(taesd.config().downscaleFactor()).encode(unit, imageShape,
          taesd.config().latentChannels(), encode) : encode.apply(unit, imageShape);
      return LatentMath.HOST.scale(latents, (float) taesd.config().scalingFactor());
    }
    VaeTiles.Pass encode = (x, shape) -> onVae("encoder", (ops, vae) -> vae.encodeMoments(ops, ops.fromHost(x,
        shape)));
    Optional<VaeTiles> tiles = tiles(false).filter(t -> t.tiles(imageShape[2], imageShape[3]));
    float[] moments = tiles.isPresent()
        ? tiles.get().apply(image, imageShape, 2 * components.vae().config().latentChannels(), encode)
        : encode.apply(image, imageShape);
    // Each image's moments are its means, then its log-variances: [N, 2 * channels, h, w].
    int images = Math.toIntExact(imageShape[0]);
    int perImage = moments.length / images / 2;
    float[] eps = noise.next(moments.length / 2);
    float scaling = (float) components.vae().config().scalingFactor();
    float[] latents = new float[moments.length / 2];
    for (int n = 0; n < images; n++) {
      int mean = 2 * n * perImage;
      for (int i = 0; i < perImage; i++) {
        float logvar = Math.clamp(moments[mean + perImage + i], -30f, 20f);
        int at = n * perImage + i;
        latents[at] = (moments[mean + i] + (float) Math.exp(0.5 * logvar) * eps[at]) * scaling;
      }
    }
    return latents;
  }

  /**
   * Scaled latents to pictures in [0, 1]: {@code vae.decode(latents / scaling_factor) / 2 + 0.5} clamped (TAESD's
   * decoder gives [0, 1] itself), {@code [N, 3, H, W]} flattened.
   */
  float[] decode(float[] latents, long[] latentShape) {
    if (tiny.isPresent() && tiny.get().hasDecoder()) {
      AutoencoderTiny taesd = tiny.get();
      float[] z = LatentMath.HOST.scale(latents, 1f / (float) taesd.config().scalingFactor());
      VaeTiles.Pass decode = (x, shape) -> run(backend, taesd, (ops, t) -> t.decode(ops, ops.fromHost(x, shape)));
      float[] image = vaeTiling ? new TinyTiles(taesd.config().downscaleFactor()).decode(z, latentShape,
          taesd.config().outChannels(), decode) : decode.apply(z, latentShape);
      for (int i = 0; i < image.length; i++) {
        image[i] = Math.clamp(image[i], 0f, 1f);
      }
      return image;
    }
    float scaling = (float) components.vae().config().scalingFactor();
    float[] z = LatentMath.HOST.scale(latents, 1f / scaling);
    VaeTiles.Pass decode = (x, shape) -> onVae("decoder", (ops, vae) -> vae.decode(ops, ops.fromHost(x, shape)));
    Optional<VaeTiles> tiles = tiles(true).filter(t -> t.tiles(latentShape[2], latentShape[3]));
    float[] image = tiles.isPresent()
        ? tiles.get().apply(z, latentShape, components.vae().config().outChannels(), decode)
        : decode.apply(z, latentShape);
    for (int i = 0; i < image.length; i++) {
      image[i] = Math.clamp(image[i] / 2f + 0.5f, 0f, 1f);
    }
    return image;
  }

  /**
   * The VAE's tiles where tiling is on, as diffusers sizes them: {@code sample_size} pixels, {@code sample_size / f}
   * latents.
   */
  private Optional<VaeTiles> tiles(boolean decoding) {
    if (!vaeTiling) {
      return Optional.empty();
    }
    int pixels = components.vae().config().sampleSize();
    int latents = Math.max(1, pixels / components.vae().downscaleFactor());
    return Optional.of(decoding ? new VaeTiles(latents, pixels) : new VaeTiles(pixels, latents));
  }

  /**
   * Runs a pass of the model's VAE on the backend (an SDXL model's {@code force_upcast} VAE on its
   * {@linkplain Backend#upcast() upcast} at once); where its 16-bit activations overflowed (a result that is not all
   * finite) and the backend offers an {@linkplain Backend#upcast() upcast}, runs it again there (as AUTOMATIC1111
   * reverts its VAE to 32-bit floats). A result still not finite is returned as it is, for the image check to report.
   */
  private float[] onVae(String part, BiFunction<Ops, AutoencoderKL, Tensor> pass) {
    // SDXL's VAE overflows float16: diffusers' SDXL pipelines run a force_upcast VAE wide from the start, and so does
    // sdj (a VAE fixed for float16, such as sdxl-vae-fp16-fix, says force_upcast false).
    Optional<Backend> upcast = backend.upcast();
    if (upcast.isPresent() && components.second().isPresent() && components.vae().config().forceUpcast()) {
      return run(upcast.get(), components.vaeOn(upcast.get()), pass);
    }
    float[] out = run(backend, components.vae(), pass);
    if (allFinite(out)) {
      return out;
    }
    Optional<Backend> wide = backend.upcast();
    if (wide.isEmpty()) {
      return out;
    }
    LOG.log(Level.WARNING, "the VAE {0} overflowed {1} on {2}; running it again in {3}", part,
        backend.activationType(), backend.name(), wide.get().activationType());
    return run(wide.get(), components.vaeOn(wide.get()), pass);
  }

  private <M> float[] run(Backend on, M model, BiFunction<Ops, M, Tensor> pass) {
    try (Ops ops = SeamlessOps.wrap(on.ops(), tiling.alongWidth(), tiling.alongHeight())) {
      return ops.toHost(pass.apply(ops, model));
    }
  }

  private static boolean allFinite(float[] x) {
    for (float v : x) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
