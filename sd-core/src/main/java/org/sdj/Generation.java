package org.sdj;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.sdj.image.GenerationInfo;
import org.sdj.image.Images;
import org.sdj.image.LatentPreview;
import org.sdj.image.ResizeMode;
import org.sdj.image.TorchInterpolate;
import org.sdj.io.lora.Lora;
import org.sdj.pipeline.DenoiseObserver;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.Img2ImgSteps;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.prompt.ExtraNetworks;
import org.sdj.prompt.PromptChunk;
import org.sdj.prompt.PromptSyntax;
import org.sdj.scheduler.Scheduler;
import org.sdj.scheduler.Schedulers;
import org.sdj.upscale.UpscaleTiles;
import org.sdj.upscale.Upscaler;

/**
 * One run of a {@link GenerationRequest}: fills in the defaults from the model, checks the request, draws the noise from
 * the seed as its {@link NoiseOptions} say ({@link SeededNoise}), runs the loop and makes the images.
 */
final class Generation {
  /** Largest side accepted, in pixels: far above what SD models are trained for, low enough to fail fast. */
  static final int MAX_SIDE = 4096;
  static final int MAX_STEPS = 1000;
  static final int MAX_BATCH = 64;
  /** Most chunks of 75 tokens an A1111-syntax prompt may take: far past real prompts, and the context stays small. */
  static final int MAX_PROMPT_CHUNKS = 16;

  private final StableDiffusionPipeline pipeline;
  private final PipelineComponents components;
  private final String modelName;
  private final AttachedModels attached;
  private final GenerationRequest request;

  private final BufferedImage initImage;
  /** The request's mask, inverted and blurred as it asks. */
  private final Optional<BufferedImage> requestMask;
  /** The masked area repainted alone and put back into the picture; null for the whole picture. */
  private final OnlyMasked onlyMasked;
  /** The request, its control images cut to the masked area where that is repainted alone. */
  private final GenerationRequest controlled;
  /**
   * Inpainting's mask at the image's size, {@code [1, 1, height, width]} of zeros and ones: the request's, or all ones
   * for an inpainting model asked for txt2img or img2img (as AUTOMATIC1111 runs them: the whole picture repainted);
   * null otherwise.
   */
  private final float[] mask;
  /** The LoRAs the engine merged, which A1111's prompt tags must name at their strengths. */
  private final List<Lora> loras;
  private final int width;
  private final int height;
  private final long seed;
  private final long[] shape;
  private final int count;
  private final RequestSchedulers schedulers;
  private final Scheduler scheduler;

  /** Resolves the request's defaults against the model and checks it, before any work. */
  Generation(StableDiffusionPipeline pipeline, String modelName, AttachedModels attached, List<Lora> loras,
      GenerationRequest request) {
    this.loras = loras;
    try {
      this.pipeline = pipeline.seamless(request.tiling()).withFreeU(request.freeU()).withPag(request.pag());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    this.components = pipeline.components();
    this.modelName = modelName;
    this.attached = attached;
    this.request = request;
    int factor = components.vae().downscaleFactor();
    this.requestMask = request.mask().map(m -> blurred(request.invertMask() ? Images.inverted(m) : m));
    this.onlyMasked = request.onlyMaskedPadding().isPresent() ? onlyMasked(factor) : null;
    BufferedImage picture = onlyMasked != null ? onlyMasked.image()
        : request.initImage().map(this::fitImage).orElse(null);
    this.controlled = onlyMasked == null || request.controls().isEmpty() ? request : withControls(request,
        request.controls().stream().map(onlyMasked::control).toList());
    this.width = request.width().orElse(picture != null ? picture.getWidth() : nativeSize());
    this.height = request.height().orElse(picture != null ? picture.getHeight() : nativeSize());
    check(width, height, factor);
    BufferedImage sizedMask = picture != null && request.mask().isPresent()
        ? onlyMasked != null ? onlyMasked.mask() : fitMask(requestMask.get()) : null;
    this.mask = sizedMask != null ? Images.toMask(sizedMask, width, height) : inpaintingModel() ? wholeMask() : null;
    // A1111 fills the picture for every masked content but the original, the mask as blurred, before it encodes it.
    this.initImage = sizedMask != null && request.maskedContent().fillsPicture()
        ? Images.fillMasked(picture, sizedMask) : picture;
    this.seed = request.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong(1L << 32));
    this.shape = new long[] {request.batchSize(), latentChannels(), height / factor, width / factor};
    this.count = Math.toIntExact(shape[0] * shape[1] * shape[2] * shape[3]);
    this.schedulers = new RequestSchedulers(request, seed);
    // Made before any work, so that a bad name fails fast.
    this.scheduler = schedulers.first(components);
    request.hiresFix().ifPresent(fix -> schedulers.hires(components, fix));
  }

  /** The request's seeded draws, fresh: each run makes its own. */
  SeededNoise noise() {
    return new SeededNoise(request.noise(), seed, request.batchSize(), request.variation());
  }

  /** The unit-normal latents txt2img starts from: the request's own, or the seed's starting noise. */
  float[] initialNoise(SeededNoise noise) {
    if (request.initialNoise().isEmpty()) {
      return noise.start(shape);
    }
    float[] given = request.initialNoise().get();
    if (given.length != count) {
      throw new InvalidRequestException("initial noise has " + given.length + " values; a batch of " + shape[0]
          + " at " + width + "x" + height + " needs " + count + " " + Arrays.toString(shape));
    }
    noise.startGiven();
    return given;
  }

  /** A prompt as the text encoder reads it: without A1111's extra-network tags under its syntax, as A1111 strips them. */
  private String promptText(String prompt) {
    return request.promptSyntax() == PromptSyntax.A1111 ? ExtraNetworks.strip(prompt) : prompt;
  }

  /**
   * Refuses A1111 extra-network tags the engine does not serve: a LoRA it has not merged, or merged at another
   * strength (LoRAs are merged at load), and networks of other kinds.
   */
  private void checkExtraNetworks(String prompt) {
    for (ExtraNetworks.Use use : ExtraNetworks.uses(prompt)) {
      if (!use.isLora()) {
        throw new InvalidRequestException("the prompt's " + use.tag() + " names a " + use.kind() + " network: sdj"
            + " applies LoRAs (<lora:name:strength>)");
      }
      OptionalDouble strength = use.strength();
      if (strength.isEmpty()) {
        throw new InvalidRequestException("the prompt's " + use.tag() + ": give one strength, for the text encoder"
            + " and the UNet alike (<lora:" + use.name() + ":0.8>)");
      }
      Optional<Lora> loaded = loras.stream().filter(l -> Lora.nameOf(l.file()).equals(use.name())).findFirst();
      if (loaded.isEmpty()) {
        throw new InvalidRequestException("the prompt asks for " + use.tag() + ", but the engine has no LoRA named "
            + use.name() + ": load it (StableDiffusion.builder().lora(file, " + GenerationInfo.number(strength
                .getAsDouble()) + "), sdj generate --lora-dir DIR)");
      }
      if (loaded.get().weight() != strength.getAsDouble()) {
        throw new InvalidRequestException("the prompt asks for " + use.tag() + ", but the engine merged "
            + use.name() + " at " + GenerationInfo.number(loaded.get().weight()) + ": LoRAs are merged at load, so load"
            + " it at " + GenerationInfo.number(strength.getAsDouble()));
      }
    }
  }

  /** The request's size in words, for messages: {@code batch 4 at 512x512}. */
  String describe() {
    return "batch " + request.batchSize() + " at " + width + "x" + height;
  }

  /** The seed this run uses (drawn at random when the request has none). */
  long seed() {
    return seed;
  }

  GenerationResult run() {
    long started = System.nanoTime();
    if (request.cancellation().isCancelled()) {
      throw new GenerationCancelledException(0, request.steps());
    }
    int batch = request.batchSize();
    SeededNoise noise = noise();
    LatentStart start;
    if (mask != null) {
      // txt2img on an inpainting model: a blank picture wholly masked (its content is masked out either way).
      start = initImage != null ? inpaintStart(noise, Images.toTensor(initImage), request.strength())
          : inpaintStart(noise, new float[3 * height * width], 1.0);
    } else if (initImage != null) {
      float[] imageLatents = pipeline.encodeImage(Images.toTensor(initImage),
          new long[] {1, 3, height, width}, noise::posteriorSample);
      start = new LatentStart.Image(repeat(imageLatents, batch), noise.start(shape), request.strength(),
          OptionalInt.of(Img2ImgSteps.stepsRun(request.img2imgSteps(), request.steps(), request.strength())));
    } else {
      start = new LatentStart.Noise(initialNoise(noise));
    }

    DenoiseSpec spec = DenoiseSpec.builder(List.of(repeat(promptText(request.prompt()), batch)), request.steps(),
            scheduler, start, shape)
        .negativePrompts(List.of(repeat(request.negativePrompt(), batch))).promptSyntax(request.promptSyntax())
        .emphasis(request.emphasis()).guidanceScale(request.guidanceScale()).guidanceRescale(request.guidanceRescale())
        .clipSkip(request.clipSkip()).stepNoise(noise.source()).sdxl(request.sdxl())
        .denoisingEnd(request.refinerSwitchAt().orElse(1)).controls(attached.controls(controlled, width, height))
        .imagePrompts(attached.imagePrompts(request)).adapters(attached.adapters(controlled, width, height))
        .build();

    float[] latents = denoise(pipeline, spec, started);
    StableDiffusionPipeline decoder = pipeline;
    if (request.refinerSwitchAt().isPresent()) {
      // diffusers' ensemble of expert denoisers: the refiner continues the base's noisy latents with a scheduler of
      // its own, its stochastic steps drawing on after the base's from the same generator.
      decoder = attached.refiner().orElseThrow().pipeline().seamless(request.tiling()).withFreeU(request.freeU())
          .withPag(request.pag());
      latents = denoise(decoder, spec.toBuilder().scheduler(schedulers.first(decoder.components()))
          .start(new LatentStart.Partial(latents, request.refinerSwitchAt().getAsDouble())).denoisingEnd(1)
          .controls(List.of()).imagePrompts(List.of()).adapters(List.of()).build(), started);
    }
    long[] finalShape = shape;
    int factor = components.vae().downscaleFactor();
    if (request.hiresFix().isPresent()) {
      HiresFix fix = request.hiresFix().get();
      finalShape = new long[] {batch, shape[1], fix.target(height, factor) / factor,
          fix.target(width, factor) / factor};
      float[] upscaled = hiresLatents(fix, latents, finalShape, noise);
      int hiresSteps = fix.steps() > 0 ? fix.steps() : request.steps();
      LatentStart second = new LatentStart.Image(upscaled, noise.start(finalShape), fix.strength(),
          OptionalInt.of(Img2ImgSteps.hiresStepsRun(request.img2imgSteps(), hiresSteps, fix.strength())));
      latents = denoise(pipeline, spec.toBuilder()
          .prompts(fix.prompt().map(p -> List.of(repeat(promptText(p), batch))).orElse(spec.prompts()))
          .negativePrompts(fix.negativePrompt().map(p -> List.of(repeat(p, batch))).orElse(spec.negativePrompts()))
          .steps(Img2ImgSteps.hiresSchedule(request.img2imgSteps(), hiresSteps, fix.strength()))
          .guidanceScale(fix.guidanceScale().orElse(request.guidanceScale()))
          .scheduler(schedulers.hires(components, fix)).start(second).latentShape(finalShape).denoisingEnd(1)
          .controls(attached.controls(request, fix.target(width, factor), fix.target(height, factor)))
          .adapters(attached.adapters(request, fix.target(width, factor), fix.target(height, factor)))
          .firstPassSteps(request.steps()).build(), started);
    }
    List<BufferedImage> images = Images.toImages(decoder.decode(latents, finalShape),
        new long[] {batch, 3, finalShape[2] * factor, finalShape[3] * factor});
    if (onlyMasked != null) {
      images = images.stream().map(onlyMasked::overlay).toList();
    }
    GenerationParameters parameters = new GenerationParameters(request.prompt(), request.negativePrompt(), width,
        height, request.steps(), request.guidanceScale(), request.guidanceRescale(), request.clipSkip(),
        request.emphasis(), Schedulers.shortNameOf(scheduler).orElse(scheduler.config().className()), seed, batch,
        initImage != null ? OptionalDouble.of(request.strength()) : OptionalDouble.empty(), modelName,
        request.hiresFix(), request.refinerSwitchAt().isPresent() ? Optional.of(new GenerationParameters.RefinerUse(
            attached.refiner().orElseThrow().name(), request.refinerSwitchAt().getAsDouble())) : Optional.empty(),
        Stream.concat(attached.controlNetUses(request).stream(), attached.ipAdapterUses(request).stream()).toList(),
        request.variation(), request.noise(), request.freeU(), request.pag(),
        initImage != null || request.hiresFix().isPresent() ? request.img2imgSteps() : Convention.DIFFUSERS,
        request.tiling(),
        request.mask().isPresent() ? request.maskBlur() : 0,
        request.mask().isPresent() && request.invertMask(),
        request.mask().isPresent() ? request.maskedContent() : MaskedContent.ORIGINAL, request.onlyMaskedPadding(),
        request.schedulerOverrides(), Optional.empty());
    return new GenerationResult(images, latents, finalShape, parameters,
        Duration.ofNanos(System.nanoTime() - started));
  }

  /**
   * The first pass's latents enlarged to {@code target} for the hires pass: by torch's interpolation for a latent
   * upscaler; for a picture upscaler, decoded to 8-bit pictures, each enlarged (by the upscaling network, if the fix
   * names one, as A1111's {@code resize_image} runs it) and resized, and encoded again (its posterior sample the
   * seeded noise's next posterior sample, as diffusers' img2img draws it).
   */
  private float[] hiresLatents(HiresFix fix, float[] latents, long[] target, SeededNoise noise) {
    int h = (int) target[2];
    int w = (int) target[3];
    Optional<TorchInterpolate.Mode> mode = fix.upscaler().latentMode();
    if (mode.isPresent()) {
      return TorchInterpolate.resize(latents, shape, h, w, mode.get());
    }
    int factor = components.vae().downscaleFactor();
    List<BufferedImage> pictures = Images.toImages(pipeline.decode(latents, shape),
        new long[] {shape[0], 3, height, width});
    float[] pixels = new float[Math.toIntExact(shape[0] * 3L * h * factor * w * factor)];
    int per = pixels.length / pictures.size();
    // A1111's resize_image: the upscaler's run where it enlarges (none for its "None"), then Lanczos to the exact size.
    Optional<Upscaler> upscaler = fix.upscalerModel().map(attached::upscaler).map(n -> n.tiled(UpscaleTiles.DEFAULT))
        .or(() -> switch (fix.upscaler()) {
          case NEAREST -> Optional.of(Upscaler.NEAREST);
          case NONE -> Optional.empty();
          default -> Optional.of(Upscaler.LANCZOS);
        });
    for (int i = 0; i < pictures.size(); i++) {
      BufferedImage picture = pictures.get(i);
      double scale = Math.max((double) w * factor / picture.getWidth(), (double) h * factor / picture.getHeight());
      if (scale > 1 && upscaler.isPresent()) {
        picture = upscaler.get().upscale(picture, scale);
      }
      System.arraycopy(Images.toTensor(Images.resize(picture, w * factor, h * factor)), 0, pixels, i * per, per);
    }
    return pipeline.encodeImage(pixels, new long[] {shape[0], 3, (long) h * factor, (long) w * factor},
        noise::posteriorSample);
  }

  private float[] denoise(StableDiffusionPipeline on, DenoiseSpec spec, long started) {
    try {
      return on.denoise(spec, observer(started, spec.latentShape()));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }

  /**
   * Inpainting's start, its draws in diffusers' order: the image's posterior sample (where the loop needs the image's
   * latents: below strength 1, or to blend them back), the starting noise, then the masked image's posterior sample,
   * which diffusers draws for every UNet (only a 9-channel one reads it).
   */
  private LatentStart inpaintStart(SeededNoise noise, float[] image, double strength) {
    int batch = request.batchSize();
    long[] imageShape = {1, 3, height, width};
    boolean conditioned = inpaintingModel();
    float[] imageLatents = conditioned && strength == 1 ? new float[0]
        : repeat(pipeline.encodeImage(image, imageShape, noise::posteriorSample), batch);
    float[] start = initImage == null ? initialNoise(noise) : noise.start(shape);
    float[] latentMask = repeat(latentMask(), batch);
    if (imageLatents.length != 0 && request.mask().isPresent()) {
      imageLatents = request.maskedContent().startLatents(imageLatents, start, latentMask, shape);
    }
    float[] maskedImageLatents;
    if (conditioned) {
      int plane = height * width;
      float[] masked = image.clone();
      for (int i = 0; i < masked.length; i++) {
        if (mask[i % plane] >= 0.5f) {
          masked[i] = 0;
        }
      }
      maskedImageLatents = repeat(pipeline.encodeImage(masked, imageShape, noise::posteriorSample), batch);
    } else {
      noise.posteriorSample(count / batch);
      maskedImageLatents = new float[0];
    }
    return new LatentStart.Inpaint(imageLatents, start, strength, latentMask, maskedImageLatents,
        OptionalInt.of(Img2ImgSteps.stepsRun(request.img2imgSteps(), request.steps(), strength)));
  }

  /** A mask of ones at the image's size: repaint everything. */
  private float[] wholeMask() {
    float[] ones = new float[height * width];
    Arrays.fill(ones, 1f);
    return ones;
  }

  /**
   * The mask at the latents' size, {@code [1, 1, h, w]}: torch's {@code interpolate(mask, size)} in its default
   * nearest mode, which takes the top-left pixel of each VAE-factor square.
   */
  private float[] latentMask() {
    int factor = components.vae().downscaleFactor();
    int h = height / factor;
    int w = width / factor;
    float[] out = new float[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out[y * w + x] = mask[y * factor * width + x * factor];
      }
    }
    return out;
  }

  /** The channels of the VAE's latents, which the loop denoises (the UNet may take more: an inpainting one, 9). */
  private int latentChannels() {
    return components.vae().config().latentChannels();
  }

  /** Whether the UNet takes the mask and the masked image's latents beside the latents (an inpainting model). */
  private boolean inpaintingModel() {
    return components.unet().config().inChannels() == 2 * latentChannels() + 1;
  }

  private DenoiseObserver observer(long started, long[] shape) {
    CancellationToken token = request.cancellation();
    return (step, total, timestep, denoised) -> {
      StepEvent event = new StepEvent(step, total, timestep, Duration.ofNanos(System.nanoTime() - started),
          () -> preview(denoised.get(), shape), token);
      request.listener().onStep(event);
      if (token.isCancelled()) {
        throw new GenerationCancelledException(step, total);
      }
    };
  }

  /** The first picture of {@code latents}: TAESD's where the engine runs it, else the latents' cheap colours. */
  private BufferedImage preview(float[] latents, long[] shape) {
    int factor = components.vae().downscaleFactor();
    return pipeline.tinyPreview(latents, shape)
        .map(p -> Images.toImages(p, new long[] {1, 3, shape[2] * factor, shape[3] * factor}).getFirst())
        .orElseGet(() -> LatentPreview.preview(latents, shape, 0));
  }

  /** The model's native size: {@code unet.sample_size * vae factor}, 512 where the config does not say. */
  private int nativeSize() {
    return components.unet().config().sampleSize().orElse(64) * components.vae().downscaleFactor();
  }

  /**
   * The masked area to repaint alone, at the requested size or else the model's native size (diffusers' default, and
   * A1111's usual 512): the region is small, and repainting it larger is the point.
   */
  private OnlyMasked onlyMasked(int factor) {
    if (request.initImage().isEmpty() || request.mask().isEmpty()) {
      throw new InvalidRequestException("inpainting the masked area alone needs a picture and its mask: give both"
          + " (inpaint)");
    }
    int w = request.width().orElse(nativeSize());
    int h = request.height().orElse(nativeSize());
    checkSize(w, h, factor);
    return OnlyMasked.of(request.initImage().get(), requestMask.get(), w, h,
        request.onlyMaskedPadding().getAsInt());
  }

  private static GenerationRequest withControls(GenerationRequest request, List<Control> controls) {
    GenerationRequest.Builder b = request.toBuilder().noControl();
    controls.forEach(b::control);
    return b.build();
  }

  /** The mask blurred by the request's radius (diffusers' mask processor's blur, Pillow's GaussianBlur). */
  private BufferedImage blurred(BufferedImage mask) {
    try {
      return Images.gaussianBlur(mask, request.maskBlur());
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("mask " + e.getMessage());
    }
  }

  /** img2img's image at the requested size, or its own size rounded down to a multiple of the VAE factor. */
  private BufferedImage fitImage(BufferedImage image) {
    int factor = components.vae().downscaleFactor();
    if (request.width().isPresent() || request.height().isPresent()) {
      int w = request.width().orElse(image.getWidth());
      int h = request.height().orElse(image.getHeight());
      checkSize(w, h, factor);
      return request.resizeMode().apply(image, w, h);
    }
    if (request.resizeMode() == ResizeMode.JUST_RESIZE) {
      return Images.resizeToMultipleOf(image, factor);
    }
    int w = image.getWidth() - image.getWidth() % factor;
    int h = image.getHeight() - image.getHeight() % factor;
    checkSize(w, h, factor);
    return request.resizeMode().apply(image, w, h);
  }

  /**
   * The mask brought to the image's size as the image was, by the request's resize mode; as it is for
   * {@link ResizeMode#JUST_RESIZE}, which {@link Images#toMask} applies itself, after the conversion to gray, as
   * diffusers does.
   */
  private BufferedImage fitMask(BufferedImage mask) {
    return request.resizeMode() == ResizeMode.JUST_RESIZE ? mask : request.resizeMode().apply(mask, width, height);
  }

  /** Refuses a picture size the models cannot take: not a positive multiple of the VAE's factor, or too large. */
  private static void checkSize(int width, int height, int factor) {
    if (width % factor != 0 || height % factor != 0 || width < factor || height < factor) {
      throw new InvalidRequestException("width and height must be positive multiples of " + factor + ", got "
          + width + "x" + height);
    }
    if (width > MAX_SIDE || height > MAX_SIDE) {
      throw new InvalidRequestException("width and height must be at most " + MAX_SIDE + ", got " + width + "x"
          + height);
    }
  }

  private void check(int width, int height, int factor) {
    checkSize(width, height, factor);
    if (request.steps() < 1 || request.steps() > MAX_STEPS) {
      throw new InvalidRequestException("steps must be in 1.." + MAX_STEPS + ", got " + request.steps());
    }
    if (request.batchSize() < 1 || request.batchSize() > MAX_BATCH) {
      throw new InvalidRequestException("batch size must be in 1.." + MAX_BATCH + ", got " + request.batchSize());
    }
    // SDXL counts from the penultimate layer of both encoders (diffusers' clip_skip + 1): the shorter one bounds it.
    int layers = components.textEncoderLayers();
    if (request.clipSkip() < 1 || request.clipSkip() > layers) {
      throw new InvalidRequestException("clip skip must be in 1.." + layers + " (the text encoder has " + layers
          + " layers; 1 uses them all), got " + request.clipSkip());
    }
    if (components.second().isEmpty() && !request.sdxl().equals(SdxlConditioning.DEFAULT)) {
      throw new InvalidRequestException("a second prompt and size conditioning are for SDXL models (two text"
          + " encoders); this model has one: drop them");
    }
    if (request.promptSyntax() == PromptSyntax.A1111) {
      checkExtraNetworks(request.prompt());
      request.hiresFix().flatMap(HiresFix::prompt).ifPresent(this::checkExtraNetworks);
      List<String> prompts = new ArrayList<>(List.of(promptText(request.prompt()), request.negativePrompt()));
      request.sdxl().prompt2().ifPresent(prompts::add);
      request.sdxl().negativePrompt2().ifPresent(prompts::add);
      for (String prompt : prompts) {
        List<PromptChunk> chunks = PromptChunk.of(prompt, components.promptTokenizer(), components.embeddings());
        if (chunks.size() > MAX_PROMPT_CHUNKS) {
          throw new InvalidRequestException("a prompt of " + chunks.size() + " chunks of 75 tokens is too long: at"
              + " most " + MAX_PROMPT_CHUNKS + " (" + MAX_PROMPT_CHUNKS * 75 + " tokens)");
        }
        for (PromptChunk chunk : chunks) {
          for (float w : chunk.weights()) {
            if (!Float.isFinite(w)) {
              throw new InvalidRequestException("a prompt weight overflows (" + w + "): keep (text:weight) weights"
                  + " to ordinary numbers");
            }
          }
        }
      }
    }
    if (!(request.guidanceRescale() >= 0 && request.guidanceRescale() <= 1)) {
      throw new InvalidRequestException("guidance rescale must be in [0, 1], got " + request.guidanceRescale());
    }
    if (!Double.isFinite(request.guidanceScale())) {
      throw new InvalidRequestException("guidance scale must be a finite number, got " + request.guidanceScale());
    }
    if (request.initImage().isPresent() && request.initialNoise().isPresent()) {
      // img2img noises the image with the seed's draws, as diffusers does; silently ignoring the noise would mislead.
      throw new InvalidRequestException("initial noise is for txt2img only: drop it or the init image (img2img draws"
          + " its noise from the seed)");
    }
    request.noise().seedResizeFrom().ifPresent(size -> {
      if (size.width() < factor || size.height() < factor || size.width() > MAX_SIDE || size.height() > MAX_SIDE) {
        throw new InvalidRequestException("seed resize from " + size + ": each side must be in " + factor + ".."
            + MAX_SIDE);
      }
      if (request.initialNoise().isPresent()) {
        throw new InvalidRequestException("a seed resize resizes the seed's noise: drop it or the initial noise");
      }
    });
    if (request.variation().isPresent()) {
      String problem = request.variation().get().problem();
      if (!problem.isEmpty()) {
        throw new InvalidRequestException(problem);
      }
      if (request.initialNoise().isPresent()) {
        throw new InvalidRequestException("a variation seed varies the seed's noise: drop it or the initial noise");
      }
    }
    if (request.hiresFix().isPresent()) {
      HiresFix fix = request.hiresFix().get();
      String problem = fix.problem();
      if (!problem.isEmpty()) {
        throw new InvalidRequestException(problem);
      }
      if (request.initImage().isPresent() || inpaintingModel()) {
        throw new InvalidRequestException("hires fix enlarges a txt2img picture of a text-to-image model: drop it"
            + (inpaintingModel() ? " for this inpainting model" : " or the init image"));
      }
      if (fix.target(width, factor) > MAX_SIDE || fix.target(height, factor) > MAX_SIDE) {
        throw new InvalidRequestException("hires fix would make " + fix.target(width, factor) + "x"
            + fix.target(height, factor) + ": at most " + MAX_SIDE + " a side");
      }
    }
    attached.check(request, request.mask().isPresent() || inpaintingModel(), width, height);
    if (request.mask().isPresent() && request.initImage().isEmpty()) {
      throw new InvalidRequestException("a mask needs the image it masks: give both (inpaint)");
    }
    if (request.onlyMaskedPadding().isPresent()) {
      if (request.onlyMaskedPadding().getAsInt() < 0) {
        throw new InvalidRequestException("the masked area's padding must be at least 0 pixels, got "
            + request.onlyMaskedPadding().getAsInt());
      }
    }
    int unetChannels = components.unet().config().inChannels();
    if (unetChannels != latentChannels() && !inpaintingModel()) {
      throw new InvalidRequestException("the UNet takes " + unetChannels + " input channels and the VAE makes "
          + latentChannels() + "-channel latents: sdj runs text-to-image UNets (" + latentChannels() + ") and"
          + " inpainting ones (" + (2 * latentChannels() + 1) + ")");
    }
    if (request.initImage().isPresent() && !(request.strength() > 0 && request.strength() <= 1)) {
      throw new InvalidRequestException("strength must be in (0, 1], got " + request.strength());
    }
  }

  private static float[] repeat(float[] x, int times) {
    float[] out = new float[x.length * times];
    for (int i = 0; i < times; i++) {
      System.arraycopy(x, 0, out, i * x.length, x.length);
    }
    return out;
  }

  private static String[] repeat(String s, int times) {
    String[] out = new String[times];
    Arrays.fill(out, s);
    return out;
  }
}
