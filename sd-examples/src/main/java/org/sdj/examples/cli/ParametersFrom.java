package org.sdj.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.sdj.Convention;
import org.sdj.GenerationParameters;
import org.sdj.HiresFix;
import org.sdj.MaskedContent;
import org.sdj.NoiseOptions;
import org.sdj.SdUpscale;
import org.sdj.SdjException;
import org.sdj.Tiling;
import org.sdj.Variation;
import org.sdj.image.GenerationInfo;
import org.sdj.image.ImageFiles;
import org.sdj.image.MaskCrop;
import org.sdj.model.unet.FreeU;
import org.sdj.pipeline.Img2ImgSteps;
import org.sdj.prompt.Emphasis;
import org.sdj.random.RandomSource;
import org.sdj.scheduler.DPMSolverMultistepScheduler;
import org.sdj.scheduler.Schedulers;
import org.sdj.scheduler.TimestepSpacing;
import picocli.CommandLine.ParseResult;

/**
 * {@code sdj generate --parameters-from FILE}: the generation parameters a PNG or JPEG carries (sdj's or
 * AUTOMATIC1111's), as A1111's "PNG Info, send to txt2img": each fills the option of {@link GenerateCommand} it
 * stands for unless the command line gives that option itself.
 */
final class ParametersFrom {
  /** The infotext field AUTOMATIC1111 writes its version in ({@code v1.10.1}). */
  static final String A1111_VERSION = "Version";
  /** The schedulers A1111 runs on timesteps of its own (not k-diffusion's noise levels). */
  private static final Set<String> TIMESTEP_SAMPLERS = Set.of("ddim", "pndm", "unipc", "lcm", "tcd", "ddpm");

  private ParametersFrom() {}

  static void fill(GenerateCommand command, Path file, ParseResult given, PrintWriter err) {
    GenerationInfo info = ImageFiles.readGenerationInfo(file)
        .orElseThrow(() -> new SdjException(file + " carries no generation parameters"));
    if (!given.hasMatchedOption("--prompt")) {
      command.prompt = info.prompt();
    }
    if (!given.hasMatchedOption("--negative-prompt")) {
      command.negativePrompt = info.negativePrompt();
    }
    // AUTOMATIC1111 (and Forge) stamp their infotexts with their version; their prompts are in A1111's syntax
    // (weights, editing, LoRA tags), which sdj then reads as A1111 does.
    if (!given.hasMatchedOption("--prompt-syntax") && info.extras().containsKey(A1111_VERSION)) {
      command.promptSyntax = "a1111";
    }
    String emphasis = info.extras().get(GenerationParameters.EMPHASIS);
    if (emphasis != null && !given.hasMatchedOption("--emphasis")) {
      Optional<Emphasis> mode = Emphasis.named(emphasis);
      if (mode.isPresent()) {
        command.emphasis = mode.get().cliName();
        // Only A1111's syntax has emphasis modes: a picture that names one was read that way.
        if (!given.hasMatchedOption("--prompt-syntax")) {
          command.promptSyntax = "a1111";
        }
      } else {
        err.println("sdj: " + file + ": emphasis " + emphasis + " is none of A1111's (Original, No norm, Ignore,"
            + " None); with Original (give --emphasis to choose)");
      }
    }
    if (!given.hasMatchedOption("--steps")) {
      info.steps().ifPresent(s -> command.steps = s);
    }
    if (!given.hasMatchedOption("--guidance")) {
      info.cfgScale().ifPresent(g -> command.guidance = g);
    }
    if (!given.hasMatchedOption("--seed")) {
      info.seed().ifPresent(s -> command.seed = s);
    }
    if (!given.hasMatchedOption("--width") && !given.hasMatchedOption("--height")) {
      info.size().ifPresent(size -> {
        command.width = size.width();
        command.height = size.height();
      });
    }
    if (!given.hasMatchedOption("--strength")) {
      info.denoisingStrength().ifPresent(s -> command.strength = s);
    }
    if (!given.hasMatchedOption("--clip-skip") && info.extras().containsKey(GenerationParameters.CLIP_SKIP)) {
      try {
        command.clipSkip = Integer.parseInt(info.extras().get(GenerationParameters.CLIP_SKIP).trim());
      } catch (NumberFormatException e) {
        throw new SdjException(file + ": Clip skip " + info.extras().get(GenerationParameters.CLIP_SKIP)
            + " is not a number");
      }
    }
    String rescale = info.extras().get(GenerationParameters.GUIDANCE_RESCALE);
    if (rescale != null && !given.hasMatchedOption("--guidance-rescale")) {
      command.guidanceRescale = number(file, GenerationParameters.GUIDANCE_RESCALE, rescale);
    }
    String blur = info.extras().get(GenerationParameters.MASK_BLUR);
    if (blur != null && command.mask != null && !given.hasMatchedOption("--mask-blur")) {
      command.maskBlur = number(file, GenerationParameters.MASK_BLUR, blur);
    }
    if (GenerationParameters.INPAINT_NOT_MASKED.equals(info.extras().get(GenerationParameters.MASK_MODE))
        && command.mask != null && !given.hasMatchedOption("--invert-mask")) {
      command.invertMask = true;
    }
    String content = info.extras().get(MaskedContent.INFOTEXT_KEY);
    if (content != null && command.mask != null && !given.hasMatchedOption("--masked-content")) {
      if (MaskedContent.named(content).isPresent()) {
        command.maskedContent = content;
      } else {
        err.println("sdj: " + file + ": Masked content " + content + " is not fill, original, latent noise or latent"
            + " nothing; keeping the original (give --masked-content to choose)");
      }
    }
    String sdUpscale = info.extras().get(SdUpscale.SCALE_KEY);
    if (info.extras().containsKey(SdUpscale.OVERLAP_KEY) && command.initImage != null
        && !given.hasMatchedOption("--sd-upscale")) {
      if (sdUpscale == null) {
        err.println("sdj: " + file + ": SD upscale's factor is not in the picture (A1111 does not record it); give"
            + " --sd-upscale X");
      } else {
        command.sdUpscale = number(file, SdUpscale.SCALE_KEY, sdUpscale);
        if (!given.hasMatchedOption("--sd-upscale-overlap")) {
          command.sdUpscaleOverlap = (int) number(file, SdUpscale.OVERLAP_KEY,
              info.extras().get(SdUpscale.OVERLAP_KEY));
        }
        String upscaler = info.extras().get(SdUpscale.UPSCALER_KEY);
        if (upscaler != null && !given.hasMatchedOption("--sd-upscale-upscaler")) {
          command.sdUpscaleUpscaler = upscaler.trim();
        }
      }
    }
    String area = info.extras().get(GenerationParameters.INPAINT_AREA);
    if (GenerationParameters.ONLY_MASKED.equals(area) && command.mask != null
        && !given.hasMatchedOption("--only-masked")) {
      String padding = info.extras().get(GenerationParameters.MASKED_AREA_PADDING);
      command.onlyMasked = padding == null ? MaskCrop.DEFAULT_PADDING
          : (int) number(file, GenerationParameters.MASKED_AREA_PADDING, padding);
    }
    String tiling = info.extras().get(Tiling.INFOTEXT_KEY);
    if (tiling != null && !given.hasMatchedOption("--tiling")) {
      Optional<Tiling> known = Tiling.fromInfotext(tiling);
      if (known.isPresent()) {
        command.tiling = switch (known.get()) {
          case BOTH -> "xy";
          case X -> "x";
          case Y -> "y";
          case NONE -> "none";
        };
      } else {
        err.println("sdj: " + file + ": Tiling " + tiling + " is not True, X or Y; not tiling (give --tiling to"
            + " choose)");
      }
    }
    noise(command, file, info, given, err);
    String pagScale = info.extras().get(GenerationParameters.PAG_SCALE);
    if (pagScale != null && !given.hasMatchedOption("--pag-scale")) {
      command.pagScale = number(file, GenerationParameters.PAG_SCALE, pagScale);
      String adaptive = info.extras().get(GenerationParameters.PAG_ADAPTIVE_SCALE);
      if (adaptive != null && !given.hasMatchedOption("--pag-adaptive-scale")) {
        command.pagAdaptiveScale = number(file, GenerationParameters.PAG_ADAPTIVE_SCALE, adaptive);
      }
      String layers = info.extras().get(GenerationParameters.PAG_LAYERS);
      if (layers != null && !given.hasMatchedOption("--pag-layers")) {
        command.pagLayers = List.of(layers.split(",")).stream().map(String::strip).toList();
      }
    }
    String freeU = info.extras().get(FreeU.INFOTEXT_KEY);
    if (freeU != null && !given.hasMatchedOption("--freeu")) {
      if (FreeU.named(freeU).isPresent()) {
        command.freeU = freeU.strip();
      } else {
        err.println("sdj: " + file + ": FreeU " + freeU + " is not b1=, b2=, s1=, s2= factors; without FreeU (give"
            + " --freeu to choose)");
      }
    }
    String variationSeed = info.extras().get(Variation.SEED);
    String variationStrength = info.extras().get(Variation.STRENGTH);
    if (variationSeed != null && variationStrength != null && !given.hasMatchedOption("--variation-seed")
        && !given.hasMatchedOption("--variation-strength")) {
      try {
        command.variationSeed = Long.parseLong(variationSeed.trim());
      } catch (NumberFormatException e) {
        throw new SdjException(file + ": " + Variation.SEED + " " + variationSeed + " is not a whole number");
      }
      command.variationStrength = number(file, Variation.STRENGTH, variationStrength);
    }
    String upscale = info.extras().get(HiresFix.UPSCALE);
    if (upscale != null && !given.hasMatchedOption("--hires-scale")) {
      command.hiresScale = number(file, HiresFix.UPSCALE, upscale);
      if (!given.hasMatchedOption("--hires-strength")) {
        info.denoisingStrength().ifPresent(s -> command.hiresStrength = s);
      }
      String steps = info.extras().get(HiresFix.STEPS);
      if (steps != null && !given.hasMatchedOption("--hires-steps")) {
        command.hiresSteps = (int) number(file, HiresFix.STEPS, steps);
      }
      String hiresPrompt = info.extras().get(HiresFix.PROMPT);
      if (hiresPrompt != null && !given.hasMatchedOption("--hires-prompt")) {
        command.hiresPrompt = hiresPrompt;
      }
      String hiresNegative = info.extras().get(HiresFix.NEGATIVE_PROMPT);
      if (hiresNegative != null && !given.hasMatchedOption("--hires-negative-prompt")) {
        command.hiresNegativePrompt = hiresNegative;
      }
      String hiresSampler = info.extras().get(HiresFix.SAMPLER);
      if (hiresSampler != null && !given.hasMatchedOption("--hires-scheduler")) {
        Optional<String> known = GenerationInfo.schedulerFor(hiresSampler,
            Optional.ofNullable(info.extras().get(HiresFix.SCHEDULE_TYPE)));
        if (known.isPresent()) {
          command.hiresScheduler = known.get();
        } else {
          err.println("sdj: " + file + ": hires sampler " + hiresSampler + " has no sdj scheduler; using the first"
              + " pass's (give --hires-scheduler to choose)");
        }
      }
      String hiresGuidance = info.extras().get(HiresFix.GUIDANCE);
      if (hiresGuidance != null && !given.hasMatchedOption("--hires-guidance")) {
        command.hiresGuidance = number(file, HiresFix.GUIDANCE, hiresGuidance);
      }
      String upscaler = info.extras().get(HiresFix.UPSCALER);
      if (upscaler != null && !given.hasMatchedOption("--hires-upscaler")) {
        Optional<HiresFix.Upscaler> known = HiresFix.Upscaler.named(upscaler);
        if (known.isPresent()) {
          command.hiresUpscaler = known.get().shortName();
        } else if (command.modelOptions.upscalerFile(upscaler.trim()).isPresent()) {
          command.hiresUpscaler = upscaler.trim();
        } else {
          err.println("sdj: " + file + ": hires upscaler " + upscaler + " is none of sdj's and no --upscaler or"
              + " --upscaler-dir has it; using Latent (give --hires-upscaler to choose)");
        }
      }
    }
    String options = info.extras().get(GenerationParameters.SCHEDULER_OPTIONS);
    // Only with the picture's scheduler: another may not read them.
    if (options != null && !given.hasMatchedOption("--scheduler")) {
      for (String option : options.split(",")) {
        int eq = option.indexOf('=');
        if (eq <= 0) {
          throw new SdjException(file + ": " + GenerationParameters.SCHEDULER_OPTIONS + " " + options + " is not"
              + " KEY=VALUE, ...");
        }
        // The command line's own --scheduler-option values win.
        command.schedulerOptions.putIfAbsent(option.substring(0, eq).strip(), option.substring(eq + 1).strip());
      }
    }
    if (!given.hasMatchedOption("--scheduler") && info.sampler().isPresent()) {
      if (info.scheduler().isPresent()) {
        command.scheduler = info.scheduler().get();
        // A1111's DPM++ 2M and 3M SDE samplers are k-diffusion's, their noise a Brownian tree of the picture's seed.
        if (info.extras().containsKey(A1111_VERSION) && (command.scheduler.startsWith("dpmpp-2m-sde")
            || command.scheduler.startsWith("dpmpp-3m-sde"))) {
          command.schedulerOptions.putIfAbsent(DPMSolverMultistepScheduler.BROWNIAN_NOISE, "true");
        }
        // A1111's DPM++ 2M, 2M SDE and 3M SDE run as k-diffusion runs them: fractional timesteps, noise * sigma_max.
        if (info.extras().containsKey(A1111_VERSION) && Schedulers.classNameOf(command.scheduler)
            .filter(DPMSolverMultistepScheduler.class.getSimpleName()::equals).isPresent()) {
          command.schedulerOptions.putIfAbsent(DPMSolverMultistepScheduler.K_DIFFUSION, "true");
        }
        // A1111's k-diffusion samplers walk the noise levels of timesteps 999 down to 0 (its Automatic schedule, and
        // the bounds of its Karras, Exponential and Beta ones): diffusers' linspace spacing, not the model's own; its
        // SGM Uniform and Simple schedule types are sdj's spacings of those names.
        if (info.extras().containsKey(A1111_VERSION) && !TIMESTEP_SAMPLERS.contains(command.scheduler)) {
          command.schedulerOptions.putIfAbsent(TimestepSpacing.CONFIG_KEY,
              info.scheduleType().flatMap(GenerationInfo::a1111TimestepSpacing).orElse("linspace"));
        }
      } else {
        err.println("sdj: " + file + ": sampler " + info.sampler().get() + info.scheduleType().map(t -> " " + t)
            .orElse("") + " has no sdj scheduler; using the model's (give --scheduler to choose)");
      }
    }
  }

  /**
   * The picture's noise: its RNG (an A1111 picture without one was drawn by A1111's default GPU source, as NV on the
   * NVIDIA cards it mostly runs on), ENSD and seeding (an A1111 picture's is A1111's).
   */
  private static void noise(GenerateCommand command, Path file, GenerationInfo info, ParseResult given,
      PrintWriter err) {
    boolean a1111 = info.extras().containsKey(A1111_VERSION);
    String rng = info.extras().get(RandomSource.INFOTEXT_KEY);
    if (!given.hasMatchedOption("--rng")) {
      if (rng != null && RandomSource.named(rng).isEmpty()) {
        err.println("sdj: " + file + ": RNG " + rng + " is not CPU, GPU or NV; drawing on the CPU generator (give"
            + " --rng to choose)");
      } else if (rng != null || a1111) {
        command.rng = RandomSource.named(rng != null ? rng : "NV").orElseThrow().name().toLowerCase(Locale.ROOT);
      }
    }
    String ensd = info.extras().get(NoiseOptions.ENSD_KEY);
    if (ensd != null && !given.hasMatchedOption("--ensd")) {
      try {
        command.ensd = Long.parseLong(ensd.trim());
      } catch (NumberFormatException e) {
        throw new SdjException(file + ": " + NoiseOptions.ENSD_KEY + " " + ensd + " is not a whole number");
      }
    }
    String resize = info.extras().get(NoiseOptions.SEED_RESIZE_FROM_KEY);
    if (resize != null && !given.hasMatchedOption("--seed-resize-from")) {
      if (GenerationInfo.Size.parse(resize).isPresent()) {
        command.seedResizeFrom = resize.strip();
      } else {
        err.println("sdj: " + file + ": Seed resize from " + resize + " is not WIDTHxHEIGHT; not resizing the seed"
            + " (give --seed-resize-from to choose)");
      }
    }
    conventionOf(file, info, Img2ImgSteps.INFOTEXT_KEY, a1111, err, "--img2img-steps", given)
        .ifPresent(c -> command.img2imgSteps = c);
    conventionOf(file, info, NoiseOptions.SEEDING_KEY, a1111, err, "--seeding", given)
        .ifPresent(c -> command.seeding = c);
  }

  /**
   * A {@link Convention} field's value for its option: the picture's, else A1111's for an A1111 picture; empty where
   * the option was given, where neither applies, or where the value is no convention (said on {@code err}).
   */
  private static Optional<String> conventionOf(Path file, GenerationInfo info, String key, boolean a1111,
      PrintWriter err, String option, ParseResult given) {
    String value = info.extras().get(key);
    if (given.hasMatchedOption(option)) {
      return Optional.empty();
    }
    if (value != null && Convention.named(value).isEmpty()) {
      err.println("sdj: " + file + ": " + key + " " + value + " is not diffusers or a1111; as diffusers (give " + option
          + " to choose)");
      return Optional.empty();
    }
    return value != null ? Optional.of(value.strip()) : a1111 ? Optional.of(Convention.A1111.shortName())
        : Optional.empty();
  }

  private static double number(Path file, String key, String value) {
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new SdjException(file + ": " + key + " " + value + " is not a number");
    }
  }
}
