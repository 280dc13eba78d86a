package org.sdj.examples.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.sdj.GenerationRequest;
import org.sdj.HiresFix;
import org.sdj.GenerationResult;
import org.sdj.SdjException;
import org.sdj.StableDiffusion;
import org.sdj.StepListener;
import org.sdj.MaskedContent;
import org.sdj.SdUpscale;
import org.sdj.Tiling;
import org.sdj.Convention;
import org.sdj.NoiseOptions;
import org.sdj.random.RandomSource;
import org.sdj.backend.DType;
import org.sdj.image.GenerationInfo;
import org.sdj.image.ImageFileException;
import org.sdj.image.ImageFiles;
import org.sdj.image.Images;
import org.sdj.image.MaskCrop;
import org.sdj.image.ResizeMode;
import org.sdj.io.hub.DownloadListener;
import org.sdj.model.unet.FreeU;
import org.sdj.pipeline.PerturbedAttentionGuidance;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;
import org.sdj.prompt.Emphasis;
import org.sdj.prompt.PromptSyntax;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sdj generate}: text to image (or image to image) with a PNG that records how it was made. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generates images from a prompt (txt2img), or from a prompt and an image (img2img).")
final class GenerateCommand implements Callable<Integer> {

  /** The latent layout {@code --init-noise} documents: Stable Diffusion's 4 channels at 1/8 of the image size. */
  private static final int LATENT_CHANNELS = 4;
  private static final int LATENT_FACTOR = 8;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin ModelOptions modelOptions;

  @CommandLine.Mixin SdxlOptions sdxlOptions;

  @CommandLine.Mixin ControlOptions controlOptions;
  @CommandLine.Mixin IpAdapterOptions ipAdapterOptions;

  @Option(names = "--prompt", paramLabel = "TEXT", description = "What to draw.")
  String prompt;

  @Option(names = "--parameters-from", paramLabel = "FILE",
      description = "Take the prompts, steps, guidance, sampler, seed (and variation seed), size and clip skip from"
          + " the generation parameters of a PNG or JPEG (sdj's or AUTOMATIC1111's); options given here win.")
  Path parametersFrom;

  @Option(names = "--negative-prompt", paramLabel = "TEXT", description = "What to steer away from.")
  String negativePrompt = "";

  @Option(names = "--prompt-syntax", paramLabel = "NAME",
      description = "plain: the prompts as diffusers reads them (default); a1111: AUTOMATIC1111's (word:1.2), (word),"
          + " [word], BREAK and prompts past 75 tokens.")
  String promptSyntax = "plain";

  @Option(names = "--emphasis", paramLabel = "MODE",
      description = "With --prompt-syntax a1111: how (word:1.2) and [word] weigh, as A1111's Emphasis mode: original"
          + " (the default: the weights, then each chunk's mean restored), no-norm (the weights alone), ignore (the"
          + " brackets read, their weights not applied) or none (brackets, weights and BREAK as plain text).")
  String emphasis = Emphasis.ORIGINAL.cliName();

  @Option(names = "--width", paramLabel = "W", description = "Width in pixels, a multiple of 8 (default: the model's).")
  Integer width;

  @Option(names = "--height", paramLabel = "H",
      description = "Height in pixels, a multiple of 8 (default: the model's).")
  Integer height;

  @Option(names = "--steps", paramLabel = "N", description = "Denoising steps (default: ${DEFAULT-VALUE}).")
  int steps = GenerationRequest.DEFAULT_STEPS;

  @Option(names = "--guidance", paramLabel = "G", description = "Guidance scale (default: ${DEFAULT-VALUE}).")
  double guidance = GenerationRequest.DEFAULT_GUIDANCE;

  @Option(names = "--guidance-rescale", paramLabel = "R",
      description = "diffusers' guidance_rescale in [0, 1]: scale each guided prediction back towards the"
          + " conditional one's spread (0.7 against the over-exposure of v-prediction and zero-SNR models; default:"
          + " ${DEFAULT-VALUE}).")
  double guidanceRescale = GenerationRequest.DEFAULT_GUIDANCE_RESCALE;

  @Option(names = "--clip-skip", paramLabel = "N",
      description = "Use the text encoder's output N - 1 layers before its last, as AUTOMATIC1111's Clip skip"
          + " (diffusers' clip_skip is N - 1); 2 for models trained that way (default: ${DEFAULT-VALUE}).")
  int clipSkip = GenerationRequest.DEFAULT_CLIP_SKIP;

  @Option(names = "--scheduler", paramLabel = "NAME",
      description = "ddim, pndm, euler, euler-a, dpmpp-2m, dpmpp-2m-sde, dpmpp-2m-sde-heun, dpmpp-3m-sde, dpmpp-sde,"
          + " dpmpp-2s-a, lms, heun, dpm2, dpm2-a, restart (A1111's Restart), unipc, lcm, tcd, ddpm; euler, the dpmpp"
          + " ones, lms, heun, dpm2, dpm2-a and restart also with -karras, -exponential, -beta or -ays (A1111's"
          + " schedule types: Align Your Steps for -ays), e.g. dpmpp-2m-karras, restart-karras (default: the"
          + " model's).")
  String scheduler;

  @Option(names = "--scheduler-option", paramLabel = "KEY=VALUE",
      description = "A field of the scheduler's config, in diffusers' spelling, over the model's: e.g."
          + " timestep_spacing=trailing (SDXL Turbo and Lightning), eta=0.3 (DDIM's eta, TCD's gamma),"
          + " use_karras_sigmas=true; VALUE is a number, true, false or text. Repeat for several.")
  Map<String, String> schedulerOptions = new LinkedHashMap<>();

  /** The resize mode {@code option} names, or a one-line error listing them. */
  static ResizeMode resizeMode(CommandLine.Model.CommandSpec spec, String option, String name) {
    return ResizeMode.named(name).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(), option
        + " " + name + ": say just-resize, crop-and-resize or resize-and-fill"));
  }

  /** The tiling {@code --tiling} names: {@code xy}, {@code x}, {@code y} or {@code none}. */
  private Tiling tilingNamed(String axes) {
    return switch (axes.strip().toLowerCase(Locale.ROOT)) {
      case "xy", "yx", "both" -> Tiling.BOTH;
      case "x" -> Tiling.X;
      case "y" -> Tiling.Y;
      case "none" -> Tiling.NONE;
      default -> throw new CommandLine.ParameterException(spec.commandLine(), "--tiling " + axes
          + ": say xy (both ways), x (left to right), y (top to bottom) or none");
    };
  }

  /** AUTOMATIC1111's and stable-diffusion.cpp's way of asking for a random seed. */
  static final long RANDOM_SEED = -1;

  @Option(names = "--seed", paramLabel = "S",
      description = "Seed; the same as diffusers' torch.Generator seed. -1 or none: a random one (in the PNG's"
          + " parameters).")
  Long seed;

  @Option(names = "--variation-seed", paramLabel = "S",
      description = "A1111's variation seed: the starting noise moved toward this seed's by --variation-strength.")
  Long variationSeed;

  @Option(names = "--variation-strength", paramLabel = "X",
      description = "With --variation-seed: how far toward its noise, in [0, 1] (0: none; 1: that seed's picture).")
  Double variationStrength;

  @Option(names = "--rng", paramLabel = "SOURCE",
      description = "The generator the seed's noise is drawn as: cpu (torch's CPU generator, diffusers' usual one;"
          + " the default) or nv (torch's CUDA generator: A1111's default GPU source on NVIDIA cards, its NV source,"
          + " stable-diffusion.cpp's cuda).")
  String rng;

  @Option(names = "--seeding", paramLabel = "MODE",
      description = "diffusers (the default: one generator of the seed for the whole batch) or a1111 (as"
          + " AUTOMATIC1111: picture i of a batch has seed S + i and its own generator, and each file its own seed).")
  String seeding;

  @Option(names = "--ensd", paramLabel = "N",
      description = "A1111's Eta noise seed delta: the samplers' noise (ancestral and SDE samplers) from the seed"
          + " plus N, the starting noise from the seed (NovelAI's 31337).")
  Long ensd;

  @Option(names = "--seed-resize-from", paramLabel = "WxH",
      description = "A1111's Resize seed from: the starting noise of a WxH picture of the seed, laid centered into"
          + " this one's, so that the seed keeps its composition at another size.")
  String seedResizeFrom;

  /** The noise options of {@code --rng}, {@code --seeding}, {@code --ensd} and {@code --seed-resize-from}. */
  private NoiseOptions noiseOptions() {
    NoiseOptions noise = NoiseOptions.DEFAULT;
    if (rng != null) {
      noise = noise.withSource(RandomSource.named(rng).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(), "--rng " + rng
              + ": say cpu or nv")));
    }
    if (seeding != null) {
      noise = noise.withSeeding(Convention.named(seeding).orElseThrow(() ->
          new CommandLine.ParameterException(spec.commandLine(), "--seeding " + seeding + ": say diffusers or a1111")));
    }
    if (seedResizeFrom != null) {
      GenerationInfo.Size size = GenerationInfo.Size.parse(seedResizeFrom).orElseThrow(() ->
          new CommandLine.ParameterException(spec.commandLine(), "--seed-resize-from " + seedResizeFrom
              + ": say WIDTHxHEIGHT, e.g. 512x512"));
      noise = noise.withSeedResizeFrom(size.width(), size.height());
    }
    return ensd != null ? noise.withEtaNoiseSeedDelta(ensd) : noise;
  }

  @Option(names = "--freeu", paramLabel = "FACTORS",
      description = "FreeU (diffusers' enable_freeu): sd1, sd2 or sdxl for its authors' factors, or B1,B2,S1,S2"
          + " (e.g. 1.5,1.6,0.9,0.2): the first two up blocks' backbone strengthened, their skip connections' low"
          + " frequencies weakened.")
  String freeU;

  @Option(names = "--img2img-steps", paramLabel = "MODE",
      description = "diffusers (the default: img2img runs int(steps * strength) steps; the hires pass likewise of its"
          + " steps) or a1111 (one step more for img2img; the hires pass runs all its steps, of a schedule of"
          + " steps / strength).")
  String img2imgSteps;

  @Option(names = "--pag-scale", paramLabel = "S",
      description = "Perturbed-attention guidance (diffusers' PAG pipelines; 3 is their default): each step also runs"
          + " the prompt with an identity attention map in --pag-layers, and steers away from it.")
  Double pagScale;

  @Option(names = "--pag-adaptive-scale", paramLabel = "A",
      description = "With --pag-scale: PAG's scale falls by A per timestep below 1000 (diffusers' pag_adaptive_scale;"
          + " default 0, constant).")
  Double pagAdaptiveScale;

  @Option(names = "--pag-layers", paramLabel = "PATTERN", split = ",",
      description = "With --pag-scale: the self-attention layers PAG perturbs, patterns found in their names"
          + " (diffusers' pag_applied_layers; default mid; e.g. up_blocks.1,down_blocks.2).")
  List<String> pagLayers;

  /** The perturbed-attention guidance of {@code --pag-scale}, {@code --pag-adaptive-scale}, {@code --pag-layers}. */
  private Optional<PerturbedAttentionGuidance> pag() {
    if (pagScale == null) {
      if (pagAdaptiveScale != null || pagLayers != null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--pag-adaptive-scale and --pag-layers go with"
            + " --pag-scale: give it (3 is diffusers' default)");
      }
      return Optional.empty();
    }
    try {
      PerturbedAttentionGuidance pag = PerturbedAttentionGuidance.DEFAULT.withScale(pagScale);
      pag = pagAdaptiveScale != null ? pag.withAdaptiveScale(pagAdaptiveScale) : pag;
      return Optional.of(pagLayers != null ? pag.withLayers(pagLayers.stream().map(String::strip).toList()) : pag);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--pag-scale: " + e.getMessage());
    }
  }

  @Option(names = "--tiling", paramLabel = "AXES", arity = "0..1", fallbackValue = "xy",
      description = "Seamless tiling (A1111's Tiling): the picture continues across its edges, for textures and"
          + " patterns; xy (the default when given alone) tiles both ways, x left to right only, y top to bottom"
          + " only.")
  String tiling;

  @Option(names = "--batch", paramLabel = "N", description = "Images per run (default: ${DEFAULT-VALUE}).")
  int batch = GenerationRequest.DEFAULT_BATCH;

  @Option(names = "--count", paramLabel = "N",
      description = "Runs one after another, as AUTOMATIC1111's batch count: run k takes seed S + k * batch, so each"
          + " file's parameters remake it alone (default: ${DEFAULT-VALUE}).")
  int count = 1;

  @Option(names = "--init-noise", paramLabel = "FILE.safetensors",
      description = "txt2img: one tensor [batch, 4, height/8, width/8] of unit-normal noise to start from.")
  Path initNoise;

  @Option(names = "--init-image", paramLabel = "FILE", description = "An image to start from (img2img).")
  Path initImage;

  @Option(names = "--mask", paramLabel = "FILE",
      description = "Inpainting, with --init-image: repaint the image where this picture is white (at least half"
          + " bright) and keep it where black. An inpainting model (stable-diffusion-inpainting) sees the mask; any"
          + " other has the image put back outside it after every step.")
  Path mask;

  @Option(names = "--resize-mode", paramLabel = "MODE",
      description = "img2img and inpainting: how an --init-image (and --mask) of another shape than --width x"
          + " --height is brought to that size: just-resize (stretched; the default), crop-and-resize or"
          + " resize-and-fill (A1111's resize modes).")
  String resizeMode;

  @Option(names = "--mask-blur", paramLabel = "R",
      description = "Inpainting, with --mask: blur the mask by a Gaussian of R pixels first (A1111's Mask blur, as"
          + " diffusers' mask processor blurs: Pillow's GaussianBlur), for a softer edge (default: 0, none).")
  Double maskBlur;

  @Option(names = "--invert-mask",
      description = "Inpainting, with --mask: repaint where the mask is black and keep where it is white (A1111's Mask"
          + " mode: Inpaint not masked).")
  boolean invertMask;

  @Option(names = "--masked-content", paramLabel = "CONTENT",
      description = "Inpainting, with --mask: what the repainting starts from under the mask (A1111's Masked content):"
          + " original (the picture as it is; the default), fill (painted with the colors around it), latent-noise"
          + " or latent-nothing (filled, then its latents replaced by noise or zeros). It matters below --strength 1.")
  String maskedContent;

  @Option(names = "--only-masked", paramLabel = "PADDING", arity = "0..1",
      fallbackValue = "" + MaskCrop.DEFAULT_PADDING,
      description = "Inpainting, with --mask: repaint the masked area alone (A1111's Inpaint area: Only masked), cut"
          + " out with PADDING pixels around the mask (default when given alone: " + MaskCrop.DEFAULT_PADDING + "),"
          + " repainted at --width x --height (default: the model's native size) and put back into the picture.")
  Integer onlyMasked;

  @Option(names = "--strength", paramLabel = "S",
      description = "img2img and inpainting: how much of the image to repaint, in (0, 1] (default: "
          + GenerationRequest.DEFAULT_STRENGTH + " for img2img, " + GenerationRequest.DEFAULT_INPAINT_STRENGTH
          + " with --mask).")
  Double strength;

  @Option(names = "--output", paramLabel = "FILE",
      description = "Where to write the image: FILE.png, or FILE.jpg for a JPEG; either carries the parameters as"
          + " AUTOMATIC1111 stores them. A batch gets numbered names (default: ${DEFAULT-VALUE}).")
  Path output = Path.of("sdj-output.png");

  @Option(names = "--output-latents", paramLabel = "FILE.safetensors",
      description = "Also write the final latents (before the VAE) as one tensor named 'latents'.")
  Path outputLatents;

  @Option(names = "--hires-scale", paramLabel = "X",
      description = "txt2img: AUTOMATIC1111's hires fix: make the picture, enlarge it X times (up to "
          + HiresFix.MAX_SCALE + "; its latents, or the picture: --hires-upscaler) and repaint part of it at the"
          + " larger size.")
  Double hiresScale;

  @Option(names = "--hires-strength", paramLabel = "S",
      description = "With --hires-scale: how much the second pass repaints, in (0, 1] (default: ${DEFAULT-VALUE}).")
  double hiresStrength = HiresFix.DEFAULT_STRENGTH;

  @Option(names = "--hires-upscaler", paramLabel = "NAME",
      description = "With --hires-scale: latent (default), latent-antialiased, latent-bicubic,"
          + " latent-bicubic-antialiased, latent-nearest, latent-nearest-exact (A1111's latent upscalers), lanczos"
          + " (the picture, resized and encoded again), nearest (enlarged nearest-neighbour, then fitted by Lanczos),"
          + " none (Lanczos's fit alone), or the name of an ESRGAN upscaler (--upscaler,"
          + " --upscaler-dir; e.g. 'R-ESRGAN 4x+', 4x-UltraSharp) that enlarges the picture before Lanczos fits it.")
  String hiresUpscaler;

  @Option(names = "--hires-steps", paramLabel = "N",
      description = "With --hires-scale: the second pass's steps (default: ${DEFAULT-VALUE}, as many as --steps).")
  int hiresSteps;

  @Option(names = "--hires-prompt", paramLabel = "TEXT",
      description = "With --hires-scale: the second pass's prompt (A1111's Hires prompt; default: --prompt).")
  String hiresPrompt;

  @Option(names = "--hires-negative-prompt", paramLabel = "TEXT",
      description = "With --hires-scale: the second pass's negative prompt (default: --negative-prompt).")
  String hiresNegativePrompt;

  @Option(names = "--hires-scheduler", paramLabel = "NAME",
      description = "With --hires-scale: the second pass's scheduler (A1111's Hires sampler; default: --scheduler).")
  String hiresScheduler;

  @Option(names = "--hires-guidance", paramLabel = "G",
      description = "With --hires-scale: the second pass's guidance scale (Forge's Hires CFG Scale; default:"
          + " --guidance).")
  Double hiresGuidance;

  @Option(names = "--sd-upscale", paramLabel = "X",
      description = "img2img, with --init-image: A1111's SD upscale script: enlarge the picture X times"
          + " (--sd-upscale-upscaler) and repaint it tile by tile at --width x --height (default: the model's native"
          + " size), each tile with the seed plus its index, blended across their overlaps.")
  Double sdUpscale;

  @Option(names = "--sd-upscale-overlap", paramLabel = "N",
      description = "With --sd-upscale: the tiles' least overlap in pixels (default: ${DEFAULT-VALUE}, A1111's).")
  int sdUpscaleOverlap = SdUpscale.DEFAULT_OVERLAP;

  @Option(names = "--sd-upscale-upscaler", paramLabel = "NAME",
      description = "With --sd-upscale: lanczos (default), none, or the name of an ESRGAN upscaler (--upscaler,"
          + " --upscaler-dir).")
  String sdUpscaleUpscaler;

  @Option(names = "--vae-tiling",
      description = "Run the VAE tile by tile on pictures larger than its tile (512 pixels for SD 1.x), as diffusers'"
          + " enable_vae_tiling(): far less memory for large pictures, at the price of blended seams.")
  boolean vaeTiling;

  @Option(names = "--refiner-switch-at", paramLabel = "X",
      description = "With --refiner: the fraction of the schedule after which the refiner takes over, in (0, 1)"
          + " (default: ${DEFAULT-VALUE}).")
  double refinerSwitchAt = GenerationRequest.DEFAULT_REFINER_SWITCH;

  @Option(names = "--quiet", description = "No progress on standard error.")
  boolean quiet;

  @Option(names = "--preview", paramLabel = "FILE.png",
      description = "Write the first picture's current estimate to FILE after every step (replaced whole each time,"
          + " as stable-diffusion.cpp's --preview-path): TAESD's full-size picture with --taesd, else a small"
          + " picture of the latents' colours.")
  Path preview;

  /** The progress bar (unless quiet), then the preview file (where asked), after every step. */
  private StepListener listener(ProgressBar progress) {
    StepListener shown = progress != null ? progress : StepListener.NONE;
    if (preview == null) {
      return shown;
    }
    Path file = preview;
    return event -> {
      shown.onStep(event);
      ImageFiles.write(file, event.preview());
    };
  }

  @Override
  public Integer call() throws Exception {
    if (parametersFrom != null) {
      ParametersFrom.fill(this, parametersFrom, spec.commandLine().getParseResult(), spec.commandLine().getErr());
    }
    if (prompt == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give --prompt, or --parameters-from an image");
    }
    if (steps < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--steps must be at least 1, got " + steps);
    }
    if (batch < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--batch must be at least 1, got " + batch);
    }
    if (count < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--count must be at least 1, got " + count);
    }
    if (count > 1 && (outputLatents != null || initNoise != null)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--count runs several times: --output-latents and"
          + " --init-noise are for one run");
    }
    if ((width == null) != (height == null)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give both --width and --height, or neither");
    }
    if (hiresScale == null && (spec.commandLine().getParseResult().hasMatchedOption("--hires-strength")
        || spec.commandLine().getParseResult().hasMatchedOption("--hires-steps") || hiresUpscaler != null
        || hiresPrompt != null || hiresNegativePrompt != null || hiresScheduler != null || hiresGuidance != null)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--hires-strength, --hires-steps,"
          + " --hires-upscaler, --hires-scheduler, --hires-guidance and the hires prompts tune the hires fix: add"
          + " --hires-scale");
    }
    if (sdUpscale == null && (sdUpscaleUpscaler != null
        || spec.commandLine().getParseResult().hasMatchedOption("--sd-upscale-overlap"))) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--sd-upscale-upscaler and --sd-upscale-overlap"
          + " tune SD upscale: add --sd-upscale");
    }
    if (sdUpscale != null && initImage == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--sd-upscale enlarges an image: add --init-image");
    }
    if (modelOptions.refiner == null && spec.commandLine().getParseResult().hasMatchedOption("--refiner-switch-at")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--refiner-switch-at says when the refiner takes"
          + " over: add --refiner");
    }
    if (mask != null && initImage == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--mask masks an image: add --init-image");
    }
    if (resizeMode != null && initImage == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--resize-mode brings an image to the picture's"
          + " size: add --init-image");
    }
    if ((maskBlur != null || invertMask) && mask == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), (invertMask ? "--invert-mask inverts" : "--mask-blur"
          + " blurs") + " a mask: add --mask and --init-image");
    }
    if (maskedContent != null && mask == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--masked-content fills a mask's area: add --mask"
          + " and --init-image");
    }
    if (onlyMasked != null && mask == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--only-masked repaints a mask's area: add --mask"
          + " and --init-image");
    }
    checkOutputs();
    PromptSyntax syntax;
    try {
      syntax = PromptSyntax.parse(promptSyntax);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--prompt-syntax: " + e.getMessage());
    }
    Emphasis mode = Emphasis.named(emphasis).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
        "--emphasis " + emphasis + ": say original, no-norm, ignore or none"));
    if (mode != Emphasis.ORIGINAL && syntax != PromptSyntax.A1111) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--emphasis: emphasis modes are A1111's syntax's;"
          + " add --prompt-syntax a1111");
    }
    if (modelOptions.hasEmbeddings() && syntax != PromptSyntax.A1111) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--embedding: prompts call embeddings by name in"
          + " A1111's syntax; add --prompt-syntax a1111");
    }
    ProgressBar progress = quiet ? null : new ProgressBar(spec.commandLine().getErr(), ProgressBar.stderrIsTerminal());
    GenerationRequest.Builder request = GenerationRequest.prompt(prompt).negativePrompt(negativePrompt)
        .promptSyntax(syntax).emphasis(mode)
        .steps(steps).guidanceScale(guidance).guidanceRescale(guidanceRescale).clipSkip(clipSkip).batchSize(batch)
        .sdxl(sdxlOptions.conditioning(spec)).listener(listener(progress));
    if (width != null) {
      request.size(width, height);
    }
    if (scheduler != null) {
      request.scheduler(scheduler);
    }
    schedulerOptions.forEach((key, value) -> request.schedulerOverride(key, configValue(value)));
    if (seed != null && seed != RANDOM_SEED) {
      request.seed(seed);
    }
    if (variationSeed != null || variationStrength != null) {
      if (variationSeed == null || variationStrength == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--variation-seed and --variation-strength go"
            + " together: give both");
      }
      request.variation(variationSeed, variationStrength);
    }
    if (tiling != null) {
      request.tiling(tilingNamed(tiling));
    }
    request.noise(noiseOptions());
    pag().ifPresent(request::pag);
    if (img2imgSteps != null) {
      request.img2imgSteps(Convention.named(img2imgSteps).orElseThrow(() -> new CommandLine.ParameterException(
          spec.commandLine(), "--img2img-steps " + img2imgSteps + ": say diffusers or a1111")));
    }
    if (freeU != null) {
      request.freeU(FreeU.named(freeU).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
          "--freeu " + freeU + ": say sd1, sd2, sdxl or four positive numbers B1,B2,S1,S2")));
    }
    if (resizeMode != null) {
      request.resizeMode(resizeMode(spec, "--resize-mode", resizeMode));
    }
    if (mask != null) {
      request.inpaint(Images.read(initImage), Images.read(mask),
          strength != null ? strength : GenerationRequest.DEFAULT_INPAINT_STRENGTH);
      if (onlyMasked != null) {
        request.inpaintOnlyMasked(onlyMasked);
      }
      if (maskBlur != null) {
        request.maskBlur(maskBlur);
      }
      request.invertMask(invertMask);
      if (maskedContent != null) {
        request.maskedContent(MaskedContent.named(maskedContent).orElseThrow(() -> new CommandLine.ParameterException(
            spec.commandLine(), "--masked-content " + maskedContent + " is not one of original, fill, latent-noise,"
            + " latent-nothing")));
      }
    } else if (initImage != null) {
      request.initImage(Images.read(initImage), strength != null ? strength : GenerationRequest.DEFAULT_STRENGTH);
    }
    if (modelOptions.refiner != null) {
      request.refiner(refinerSwitchAt);
    }
    controlOptions.apply(spec, modelOptions.controlNets.size(), request);
    ipAdapterOptions.apply(spec, request);
    Optional<Path> upscalerModel = Optional.empty();
    if (hiresScale != null) {
      Optional<HiresFix.Upscaler> builtIn = hiresUpscaler == null ? Optional.of(HiresFix.Upscaler.LATENT)
          : HiresFix.Upscaler.named(hiresUpscaler);
      if (builtIn.isEmpty()) {
        upscalerModel = Optional.of(modelOptions.upscalerFile(hiresUpscaler).orElseThrow(
            () -> new CommandLine.ParameterException(spec.commandLine(), "--hires-upscaler " + hiresUpscaler
                + " is none of sdj's (" + String.join(", ", Arrays.stream(HiresFix.Upscaler.values())
                    .map(HiresFix.Upscaler::shortName).toList()) + ") nor an --upscaler file's, nor in an"
                + " --upscaler-dir")));
      }
      HiresFix fix = new HiresFix(hiresScale, hiresStrength, hiresSteps, builtIn.orElse(HiresFix.Upscaler.LANCZOS));
      if (builtIn.isEmpty()) {
        fix = fix.withUpscalerModel(hiresUpscaler);
      }
      if (hiresPrompt != null || hiresNegativePrompt != null) {
        fix = fix.withPrompts(hiresPrompt != null ? hiresPrompt : prompt,
            hiresNegativePrompt != null ? hiresNegativePrompt : negativePrompt);
      }
      if (hiresScheduler != null) {
        fix = fix.withScheduler(hiresScheduler);
      }
      if (hiresGuidance != null) {
        fix = fix.withGuidanceScale(hiresGuidance);
      }
      request.hiresFix(fix);
    }
    if (initNoise != null) {
      request.initialNoise(readNoise(initNoise));
    }
    StableDiffusion.Builder engine = modelOptions.engine(spec).vaeTiling(vaeTiling)
        .downloadListener(progress != null ? progress : DownloadListener.NONE);
    if (syntax == PromptSyntax.A1111) {
      List<String> tagged = new ArrayList<>(List.of(prompt));
      if (hiresPrompt != null) {
        tagged.add(hiresPrompt);
      }
      modelOptions.addTaggedLoras(spec, engine, tagged);
    }
    ipAdapterOptions.addTo(spec, engine);
    if (sdUpscale != null) {
      String given = sdUpscaleUpscaler == null ? SdUpscale.LANCZOS : sdUpscaleUpscaler;
      String name = switch (given.toLowerCase(Locale.ROOT)) {
        case "lanczos" -> SdUpscale.LANCZOS;
        case "none" -> SdUpscale.NONE;
        default -> given;
      };
      if (!name.equals(SdUpscale.LANCZOS) && !name.equals(SdUpscale.NONE)) {
        Path file = modelOptions.upscalerFile(name).orElseThrow(() -> new CommandLine.ParameterException(
            spec.commandLine(), "--sd-upscale-upscaler " + name + " is not lanczos or none, nor an --upscaler"
                + " file's, nor in an --upscaler-dir"));
        if (upscalerModel.map(f -> !f.equals(file)).orElse(true) && !modelOptions.upscalers.contains(file)) {
          engine.upscaler(file);
        }
      }
      request.sdUpscale(new SdUpscale(sdUpscale, sdUpscaleOverlap, name));
    }
    upscalerModel.filter(f -> !modelOptions.upscalers.contains(f)).ifPresent(engine::upscaler);
    try (StableDiffusion sd = engine.build()) {
      for (int run = 0; run < count; run++) {
        GenerationResult result = sd.generate(request);
        for (Path file : write(result, run * batch, count * batch)) {
          spec.commandLine().getOut().println(file);
        }
        // The next run's seed follows this one's images, as A1111 numbers the seeds of a batch count (and its
        // variation seeds).
        request.seed(result.parameters().seed() + batch);
        result.parameters().variation().ifPresent(v -> request.variation(v.seed() + batch, v.strength()));
      }
    }
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Refuses an output that could not be written before minutes go into the model and the pictures. */
  private void checkOutputs() {
    try {
      ImageFiles.checkWritable(output);
    } catch (ImageFileException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--output: " + e.getMessage());
    }
    if (preview != null) {
      try {
        ImageFiles.checkWritable(preview);
      } catch (ImageFileException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--preview: " + e.getMessage());
      }
    }
    if (outputLatents != null && !Files.isDirectory(outputLatents.toAbsolutePath().getParent())) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--output-latents: folder "
          + outputLatents.toAbsolutePath().getParent() + " does not exist");
    }
  }


  /**
   * Reads the one tensor of an init-noise file. The request takes the noise flattened, so its shape is checked here
   * against the one documented for {@code --init-noise}; without {@code --width}/{@code --height} the request checks
   * the element count against the model's square native size when it runs.
   */
  private float[] readNoise(Path file) {
    try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
      if (f.names().size() != 1) {
        throw new SdjException(file + " must hold exactly one tensor (the noise), it holds " + f.names().size());
      }
      SafeTensor t = f.get(f.names().iterator().next());
      if (t.shape().length != 4) {
        throw new SdjException(file + ": the noise must have shape [batch, 4, height/8, width/8], got "
            + Arrays.toString(t.shape()));
      }
      long[] shape = t.shape();
      boolean sizeFits = width == null || shape[2] * LATENT_FACTOR == height && shape[3] * LATENT_FACTOR == width;
      if (shape[0] != batch || shape[1] != LATENT_CHANNELS || !sizeFits) {
        throw new SdjException(file + ": the noise has shape " + Arrays.toString(shape) + ", but --batch " + batch
            + (width == null ? " needs [" + batch + ", " + LATENT_CHANNELS + ", height/8, width/8]"
                : " at " + width + "x" + height + " needs " + Arrays.toString(new long[] {batch, LATENT_CHANNELS,
                    height / LATENT_FACTOR, width / LATENT_FACTOR})));
      }
      return t.toFloatArray();
    }
  }

  /** Writes a run's images as images {@code first + 1...} of {@code total}: numbered where there is more than one. */
  private List<Path> write(GenerationResult result, int first, int total) {
    List<Path> written = new ArrayList<>();
    List<BufferedImage> images = result.images();
    for (int i = 0; i < images.size(); i++) {
      Path file = total == 1 ? output : numbered(output, first + i + 1);
      result.write(i, file);
      written.add(file);
    }
    if (outputLatents != null) {
      SafeTensorsWriter.create().add("latents", DType.F32, result.latentShape(), result.latents())
          .write(outputLatents);
      written.add(outputLatents);
    }
    return written;
  }

  /** {@code out.png} -> {@code out-2.png}. */
  static Path numbered(Path file, int n) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String numbered = dot > 0 ? name.substring(0, dot) + "-" + n + name.substring(dot) : name + "-" + n;
    return file.resolveSibling(numbered);
  }

  /** A {@code --scheduler-option} value as JSON would hold it: a boolean, an integer, another number, or text. */
  static Object configValue(String text) {
    if (text.equals("true") || text.equals("false")) {
      return Boolean.parseBoolean(text);
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException notInteger) {
      try {
        return Double.parseDouble(text);
      } catch (NumberFormatException notNumber) {
        return text;
      }
    }
  }
}
