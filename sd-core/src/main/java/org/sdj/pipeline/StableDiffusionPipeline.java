package org.sdj.pipeline;

import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.sdj.Tiling;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.blocks.PerturbedAttention;
import org.sdj.model.unet.FreeU;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.model.vae.AutoencoderTiny;
import org.sdj.scheduler.LatentMath;
import org.sdj.scheduler.NoiseSource;
import org.sdj.scheduler.Scheduler;
import org.sdj.scheduler.StepResult;

/**
 * diffusers' {@code StableDiffusionPipeline} loop: encode the prompts, scale the noise, denoise with classifier-free
 * guidance, decode. Stateless apart from the components, so one instance serves many threads.
 */
public final class StableDiffusionPipeline {
  private static final System.Logger LOG = System.getLogger(StableDiffusionPipeline.class.getName());
  private final PipelineComponents components;
  private final Backend backend;
  /** The passes between pictures and latents. */
  private final VaeRunner vae;
  /** Which of the UNet's and VAE's convolutions wrap around, for seamless pictures. */
  private final Tiling tiling;
  /** FreeU's factors for the UNet's up blocks; empty for none. */
  private final Optional<FreeU> freeU;
  /** Perturbed-attention guidance; empty for none. */
  private final Optional<PerturbedAttentionGuidance> pag;

  public StableDiffusionPipeline(PipelineComponents components, Backend backend) {
    this(components, backend, false);
  }

  /**
   * @param vaeTiling whether the VAE runs tile by tile on pictures larger than its tile, as diffusers'
   *     {@code enable_vae_tiling()}
   */
  public StableDiffusionPipeline(PipelineComponents components, Backend backend, boolean vaeTiling) {
    this(components, backend, new VaeRunner(components, backend, vaeTiling, Tiling.NONE, Optional.empty()),
        Tiling.NONE, Optional.empty(), Optional.empty());
  }

  private StableDiffusionPipeline(PipelineComponents components, Backend backend, VaeRunner vae, Tiling tiling,
      Optional<FreeU> freeU, Optional<PerturbedAttentionGuidance> pag) {
    this.components = components;
    this.backend = backend;
    this.vae = vae;
    this.tiling = tiling;
    this.freeU = freeU;
    this.pag = pag;
  }

  /**
   * This pipeline with perturbed-attention guidance where {@code pag} has it (diffusers' PAG pipelines): every call
   * also runs the conditional rows perturbed, a third more rows with classifier-free guidance, twice as many without.
   */
  public StableDiffusionPipeline withPag(Optional<PerturbedAttentionGuidance> pag) {
    return pag.equals(this.pag) ? this
        : new StableDiffusionPipeline(components, backend, vae, tiling, freeU, pag);
  }

  /**
   * This pipeline, its UNet running FreeU where {@code freeU} has factors (diffusers' {@code enable_freeu}); its calls
   * then run directly rather than recorded ({@link org.sdj.backend.Replay}), since the filter uploads its small
   * matrices with each call.
   */
  public StableDiffusionPipeline withFreeU(Optional<FreeU> freeU) {
    return freeU.equals(this.freeU) ? this
        : new StableDiffusionPipeline(components, backend, vae, tiling, freeU, pag);
  }

  /**
   * This pipeline, its UNet and VAE padding circularly as {@code tiling} says (seamless pictures, A1111's Tiling);
   * ControlNets and T2I-Adapters keep zero padding, as A1111 runs them beside a tiling model.
   *
   * @throws IllegalArgumentException where VAE tiling is on: its tiles would cut the wrapped edges
   */
  public StableDiffusionPipeline seamless(Tiling tiling) {
    if (tiling == this.tiling) {
      return this;
    }
    return new StableDiffusionPipeline(components, backend, vae.seamless(tiling), tiling, freeU, pag);
  }

  /**
   * This pipeline with TAESD ({@code tiny}) in place of the model's VAE for the parts it has (its encoder for
   * img2img and inpainting, its decoder for the pictures), as diffusers' pipelines run with {@code pipe.vae =
   * AutoencoderTiny...}; empty for the model's VAE. With VAE tiling, TAESD runs tile by tile as diffusers tiles it.
   */
  public StableDiffusionPipeline withTinyAutoencoder(Optional<AutoencoderTiny> tiny) {
    return tiny.equals(vae.tiny()) ? this
        : new StableDiffusionPipeline(components, backend, vae.withTiny(tiny), tiling, freeU, pag);
  }

  public PipelineComponents components() {
    return components;
  }

  /**
   * Runs the denoising loop.
   *
   * @return the final latents, shaped as {@link DenoiseSpec#latentShape()}, flattened
   */
  public float[] denoise(DenoiseSpec spec) {
    return denoise(spec, DenoiseObserver.NONE);
  }

  /**
   * Runs the denoising loop, telling {@code observer} after each step.
   *
   * @return the final latents, shaped as {@link DenoiseSpec#latentShape()}, flattened
   */
  public float[] denoise(DenoiseSpec spec, DenoiseObserver observer) {
    Scheduler scheduler = spec.scheduler();
    scheduler.setTimesteps(spec.steps());
    double[] timesteps = scheduler.timesteps();
    int begin = 0;
    float[] latents;
    switch (spec.start()) {
      case LatentStart.Noise n -> latents = LatentMath.HOST.scale(n.unitNoise(), (float) scheduler.initNoiseSigma());
      case LatentStart.Image i -> {
        begin = img2imgBegin(spec.steps(), i.strength(), i.stepsRun(), scheduler.order());
        scheduler.setBeginIndex(begin);
        latents = scheduler.addNoise(i.imageLatents(), i.unitNoise(), timesteps[begin]);
      }
      case LatentStart.Inpaint p -> {
        begin = img2imgBegin(spec.steps(), p.strength(), p.stepsRun(), scheduler.order());
        scheduler.setBeginIndex(begin);
        latents = p.strength() == 1 ? LatentMath.HOST.scale(p.unitNoise(), (float) scheduler.initNoiseSigma())
            : scheduler.addNoise(p.imageLatents(), p.unitNoise(), timesteps[begin]);
      }
      case LatentStart.Partial p -> {
        begin = partialBegin(timesteps, cutoff(scheduler, p.denoisingStart()), scheduler.order());
        scheduler.setBeginIndex(begin);
        latents = p.latents().clone();
      }
    }
    // A scheduler may lay its calls out anew from the begin index (A1111's Restart, handed the schedule's tail).
    timesteps = scheduler.timesteps();
    int end = spec.denoisingEnd() < 1 ? partialEnd(timesteps, cutoff(scheduler, spec.denoisingEnd()))
        : timesteps.length;
    if (end <= begin) {
      throw new IllegalArgumentException("denoising end " + spec.denoisingEnd() + " leaves none of the "
          + (timesteps.length - begin) + " steps to run: raise it or the steps");
    }
    Optional<LatentStart.Inpaint> blendBack = spec.start() instanceof LatentStart.Inpaint p && !p.conditioned()
        ? Optional.of(p) : Optional.empty();
    UNet2DConditionModel unet = components.unet();
    // A latent consistency model takes its guidance scale as an embedding and runs no unconditional pass, as
    // diffusers' pipelines run it (do_classifier_free_guidance is false wherever time_cond_proj_dim is set).
    boolean guidanceEmbedded = unet.takesGuidanceEmbedding();
    boolean guidance = spec.classifierFreeGuidance() && !guidanceEmbedded;
    if (guidanceEmbedded && spec.negativePrompts().stream().anyMatch(p -> !p.isBlank())) {
      LOG.log(Level.INFO, "the UNet takes its guidance scale as an embedding (a latent consistency model) and runs"
          + " no unconditional pass: the negative prompt is not used");
    }
    long rows = spec.latentShape()[0];
    Optional<PerturbedAttention> perturbation = pag.map(p -> p.perturbation(unet, rows));
    try (Ops outer = backend.ops();
        UNetCalls calls = new UNetCalls(backend, unet, spec.controls(),
            spec.imagePrompts().stream().map(p -> (float) p.scale()).toList(), spec.adapters(), tiling, freeU,
            perturbation);
        StepLatents math = new StepLatents(backend)) {
      StepConditioning text = StepConditioning.of(outer, components, spec, guidance, backend.activationType());
      if (pag.isPresent() && text.composed()) {
        throw new IllegalArgumentException("perturbed-attention guidance and composable prompts (AND, or a prompt's"
            + " trailing :weight) cannot go together: drop one");
      }
      // The batch's groups of rows: the unconditional one with guidance, then one per prompt (A1111's composable
      // prompts make several), then with PAG the conditional rows again, perturbed.
      boolean cfg = text.cfg();
      int groups = text.groups() + (pag.isPresent() ? 1 : 0);
      int batch = Math.toIntExact(rows * groups);
      // With guidance, the unconditional rows come first; the calls run apart split there.
      int first = cfg ? Math.toIntExact(rows) : 0;
      Optional<Tensor> conditioning = Inpainting.conditioning(outer, spec, backend.activationType());
      Tensor times = unet.timestepProjections(outer, Arrays.copyOfRange(timesteps, begin, end), batch);
      Optional<Tensor> timestepCond = guidanceEmbedded ? Optional.of(outer.fromHost(
          unet.guidanceEmbedding(spec.guidanceScale(), batch), backend.activationType(), batch,
          unet.config().timeCondProjDim().getAsInt())) : Optional.empty();
      List<Tensor> images = spec.controls().stream().map(c -> controlImage(outer, c, batch, spec.latentShape()))
          .toList();
      List<Tensor> imageTokens = spec.imagePrompts().stream().map(p -> imageTokens(outer, p, batch, first)).toList();
      long factor = components.vae().downscaleFactor();
      List<List<Tensor>> adapterFeatures = AdapterFeatures.of(outer, spec.adapters(), batch,
          Math.toIntExact(spec.latentShape()[2] * factor), Math.toIntExact(spec.latentShape()[3] * factor),
          backend.activationType());
      Tensor x = math.fromHost(latents, spec.latentShape());
      int total = end - begin;
      // ControlNets' windows are fractions of the whole schedule from the first step run, as diffusers counts
      // controlnet_keep over the timesteps before denoising_end cuts them.
      int windowSteps = timesteps.length - begin;
      // Stochastic schedulers draw at most once per model call; the spec's noise source serves this loop alone.
      math.prefetchNoise(total);
      for (int s = begin; s < end; s++) {
        double t = timesteps[s];
        Ops ops = math.ops();
        Tensor input = scheduler.scaleModelInput(math, x, t);
        Tensor modelInput = ops.cast(input, backend.activationType());
        Optional<Tensor> latentInput = Optional.empty();
        if (conditioning.isPresent()) {
          latentInput = Optional.of(modelInput);
          modelInput = ops.concat(1, modelInput, conditioning.get());
        }
        Tensor time = ops.narrow(times, 0, (long) (s - begin) * batch, batch);
        int rest = batch - first;
        int index = s - begin;
        StepConditioning.Step step = text.at(index);
        boolean perturbed = pag.isPresent();
        // PAG's rows are the conditional ones again: their text and added condition repeated.
        Optional<Tensor> added = step.added().map(c -> perturbed ? withLastRows(ops, c, rows) : c);
        int condGroups = perturbed ? 2 : 1;
        Tensor prediction = switch (step.contexts()) {
          case TextConditioning.Contexts.Joint j -> calls.run(ops, UNetCalls.Kind.BATCH, index, windowSteps,
              repeatRows(ops, modelInput, groups), latentInput.map(l -> repeatRows(ops, l, groups)), time,
              perturbed ? withLastRows(ops, j.all().context(), rows) : j.all().context(), added, timestepCond,
              images, imageTokens, adapterFeatures, perturbed);
          // Contexts of lengths neither divides run apart, as A1111 runs them (each half in a replay of its own).
          case TextConditioning.Contexts.Apart a -> ops.concat(0,
              calls.run(ops, UNetCalls.Kind.UNCONDITIONAL_HALF, index, windowSteps, modelInput, latentInput,
                  ops.narrow(time, 0, 0, first), a.uncond().context(), added.map(c -> ops.narrow(c, 0, 0, first)),
                  timestepCond.map(c -> ops.narrow(c, 0, 0, first)),
                  images.stream().map(c -> ops.narrow(c, 0, 0, first)).toList(),
                  imageTokens.stream().map(c -> ops.narrow(c, 0, 0, first)).toList(),
                  halves(ops, adapterFeatures, 0, first), false),
              calls.run(ops, UNetCalls.Kind.CONDITIONAL_HALF, index, windowSteps,
                  repeatRows(ops, modelInput, condGroups), latentInput.map(l -> repeatRows(ops, l, condGroups)),
                  ops.narrow(time, 0, first, rest), repeatRows(ops, a.cond().context(), condGroups),
                  added.map(c -> ops.narrow(c, 0, first, rest)),
                  timestepCond.map(c -> ops.narrow(c, 0, first, rest)),
                  images.stream().map(c -> ops.narrow(c, 0, first, rest)).toList(),
                  imageTokens.stream().map(c -> ops.narrow(c, 0, first, rest)).toList(),
                  halves(ops, adapterFeatures, first, rest), perturbed));
        };
        Tensor guided = text.composed() ? Guidance.composed(math, prediction, text.weights(), spec.guidanceScale())
            : perturbed ? Guidance.perturbed(math, prediction, cfg, spec.guidanceScale(), pag.get().scaleAt(t),
                spec.guidanceRescale())
            : cfg ? Guidance.guide(math, prediction, spec.guidanceScale(), spec.guidanceRescale()) : prediction;
        StepResult<Tensor> result = scheduler.step(math, guided, t, x, spec.stepNoise());
        try (Denoised denoised = new Denoised(ops, result.predOriginalSample())) {
          observer.afterStep(s - begin + 1, total, t, denoised);
        }
        Tensor next = result.prevSample();
        if (blendBack.isPresent()) {
          double nextTimestep = s + 1 < timesteps.length ? timesteps[s + 1] : Double.NaN;
          next = Inpainting.keepOutsideMask(math, blendBack.get(), next, scheduler, nextTimestep,
              spec.latentShape());
        }
        x = math.nextStep(scheduler, next);
      }
      return math.ops().toHost(x);
    }
  }

  /** {@code x} with its last {@code rows} rows once more after them (PAG's perturbed copy of the conditional rows). */
  private static Tensor withLastRows(Ops ops, Tensor x, long rows) {
    return ops.concat(0, x, ops.narrow(x, 0, x.dim(0) - rows, rows));
  }

  /** {@code x} {@code groups} times along dim 0 (itself for one group). */
  private static Tensor repeatRows(Ops ops, Tensor x, int groups) {
    Tensor out = x;
    for (int g = 1; g < groups; g++) {
      out = ops.concat(0, out, x);
    }
    return out;
  }

  /** Rows {@code [start, start + count)} of every adapter's feature maps. */
  private static List<List<Tensor>> halves(Ops ops, List<List<Tensor>> features, int start, int count) {
    return features.stream().map(maps -> maps.stream().map(m -> ops.narrow(m, 0, start, count)).toList()).toList();
  }

  /**
   * The step's denoised estimate for an observer, read back only if asked (reading waits for the device) and only
   * during the observer's call, before the step's tensors are freed.
   */
  private static final class Denoised implements Supplier<float[]>, AutoCloseable {
    private final Ops ops;
    private final Tensor x0;
    private boolean expired;

    Denoised(Ops ops, Tensor x0) {
      this.ops = ops;
      this.x0 = x0;
    }

    @Override
    public float[] get() {
      if (expired) {
        throw new IllegalStateException("a step's denoised latents can only be read during its afterStep call");
      }
      return ops.toHost(x0);
    }

    @Override
    public void close() {
      expired = true;
    }
  }

  /**
   * diffusers' {@code discrete_timestep_cutoff} of a fraction of the noise schedule:
   * {@code round(num_train_timesteps * (1 - fraction))}, rounding half to even as Python's {@code round}.
   */
  private static double cutoff(Scheduler scheduler, double fraction) {
    int train = scheduler.config().common().numTrainTimesteps();
    return Math.rint(train - fraction * train);
  }

  /** How many timesteps a loop stopping at {@code cutoff} runs: those at or above it (diffusers' denoising_end). */
  static int partialEnd(double[] timesteps, double cutoff) {
    int n = 0;
    while (n < timesteps.length && timesteps[n] >= cutoff) {
      n++;
    }
    return n;
  }

  /**
   * The first timestep a loop continuing below {@code cutoff} runs, as diffusers' SDXL {@code get_timesteps} with
   * {@code denoising_start}: the timesteps under the cutoff, one more for a second-order scheduler whose count would
   * split a step between its two evaluations.
   */
  static int partialBegin(double[] timesteps, double cutoff, int order) {
    int n = 0;
    for (double t : timesteps) {
      if (t < cutoff) {
        n++;
      }
    }
    if (order == 2 && n % 2 == 0) {
      n++;
    }
    if (n == 0 || n > timesteps.length) {
      throw new IllegalArgumentException("denoising start leaves " + (n == 0 ? "no" : "more than all") + " of the "
          + timesteps.length + " steps to run");
    }
    return timesteps.length - n;
  }

  /**
   * The index of the first timestep img2img runs, as diffusers' {@code get_timesteps}: the last
   * {@code int(steps * strength)} steps remain.
   */
  static int img2imgBegin(int steps, double strength, OptionalInt run, int order) {
    int initTimestep = Math.min(run.orElse((int) (steps * strength)), steps);
    if (initTimestep < 1) {
      throw new IllegalArgumentException("strength " + strength + " with " + steps
          + " steps leaves no step to run: raise the strength or the steps");
    }
    return Math.max(steps - initTimestep, 0) * order;
  }

  /**
   * Encodes pictures to scaled latents: the VAE's posterior sampled, as diffusers' img2img does with
   * {@code latent_dist.sample(generator)}, or TAESD's latents where the engine runs TAESD (drawing nothing).
   *
   * @param image {@code [N, 3, H, W]} in [-1, 1] flattened
   * @param imageShape its shape
   * @param noise draws the posterior noise, for the whole batch at once (the generator's first draw in img2img)
   * @return {@code [N, latent_channels, H / f, W / f]} flattened
   */
  public float[] encodeImage(float[] image, long[] imageShape, NoiseSource noise) {
    return vae.encode(image, imageShape, noise);
  }

  /** The control image for every row of the UNet's batch, {@code [rows, 3, H, W]} in the activation type. */
  private Tensor controlImage(Ops ops, ControlInput control, int rows, long[] latentShape) {
    float[] one = control.image();
    float[] all = new float[Math.multiplyExact(one.length, rows)];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(one, 0, all, r * one.length, one.length);
    }
    // The control image is at the picture's size: the latents' times the VAE's factor.
    long factor = components.vae().downscaleFactor();
    return ops.cast(ops.fromHost(all, rows, 3, latentShape[2] * factor, latentShape[3] * factor),
        backend.activationType());
  }

  /**
   * An IP-Adapter's image tokens for every row of the UNet's batch, {@code [rows, T, cross_attention_dim]}: as
   * diffusers orders guidance's rows, the unconditional tokens for the first group of rows, the image's for the others
   * (every row without guidance).
   */
  private Tensor imageTokens(Ops ops, ImagePromptInput prompt, int rows, int uncondRows) {
    Tensor both = prompt.adapter().tokens(ops, prompt.pixels(), backend.activationType());
    Tensor out = null;
    for (int r = 0; r < rows; r++) {
      Tensor one = ops.narrow(both, 0, r < uncondRows ? 0 : 1, 1);
      out = out == null ? one : ops.concat(0, out, one);
    }
    return out;
  }

  /**
   * Decodes final latents to an image in {@code [0, 1]}: {@code (vae.decode(latents / scaling_factor) / 2 + 0.5)}
   * clamped, {@code [N, 3, H, W]} flattened.
   */
  public float[] decode(float[] latents, long[] latentShape) {
    return vae.decode(latents, latentShape);
  }

  /**
   * TAESD's picture of the first of {@code latents} (scaled, {@code [N, C, h, w]} flattened) in [0, 1],
   * {@code [1, 3, H, W]} flattened, where this pipeline decodes with TAESD (A1111's TAESD live previews); empty
   * otherwise.
   */
  public Optional<float[]> tinyPreview(float[] latents, long[] latentShape) {
    if (vae.tiny().filter(AutoencoderTiny::hasDecoder).isEmpty()) {
      return Optional.empty();
    }
    long[] first = latentShape.clone();
    first[0] = 1;
    return Optional.of(vae.decode(Arrays.copyOf(latents, Math.toIntExact(latents.length / latentShape[0])), first));
  }
}
