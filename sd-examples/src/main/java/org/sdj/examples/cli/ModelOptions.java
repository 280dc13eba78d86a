package org.sdj.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.sdj.StableDiffusion;
import org.sdj.examples.demo.DemoModel;
import org.sdj.io.checkpoint.ModelFamily;
import org.sdj.io.hub.HubFiles;
import org.sdj.io.lora.Lora;
import org.sdj.prompt.ExtraNetworks;
import org.sdj.upscale.ModelUpscaler;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The options that say which model to load and what to load with it: {@code sdj generate}'s engine. */
final class ModelOptions {
  @Option(names = "--model", required = true, paramLabel = "PATH",
      description = "A diffusers pipeline folder, a single-file checkpoint (FILE.safetensors or FILE.ckpt, original"
          + " SD 1.x/2.x layout), a Hugging Face Hub id (org/name[@revision]), or '" + DemoModel.NAME
          + "' for the built-in tiny demo model (random weights: noise-like images).")
  String model;

  @Option(names = "--config", paramLabel = "DIR",
      description = "For a single-file checkpoint that is not a published SD 1.x/2.x architecture: a diffusers"
          + " folder whose configs and tokenizer describe it (its weights are not read).")
  Path config;

  @Option(names = "--family", paramLabel = "NAME",
      description = "For a single-file checkpoint: load it as sd1, sd2-base, sd2-v, sdxl or sdxl-refiner instead of the"
          + " detected family (SD 2.x files are taken as sd2-v).")
  String family;

  @Option(names = "--backend", paramLabel = "NAME", description = "auto, cpu, cuda or reference (default: auto).")
  String backend = "auto";

  @Option(names = "--variant", paramLabel = "NAME", description = "Weights variant, e.g. fp16.")
  String variant;

  @Option(names = "--vae", paramLabel = "FILE",
      description = "Read the VAE's weights from FILE (.safetensors or .ckpt, original or diffusers layout) instead of"
          + " the model's, as A1111's --vae.")
  Path vae;

  @Option(names = "--taesd", paramLabel = "PATH",
      description = "TAESD, a tiny distilled autoencoder, in place of the VAE (as stable-diffusion.cpp's --taesd and"
          + " diffusers' AutoencoderTiny): much faster decoding, slightly softer pictures, and full-size step previews."
          + " A diffusers folder or Hub id (madebyollin/taesd for SD 1.x/2.x, madebyollin/taesdxl for SDXL), its"
          + " diffusion_pytorch_model.safetensors, or TAESD's own taesd_decoder.pth (the VAE then still encodes"
          + " img2img's picture).")
  String taesd;

  @Option(names = "--lora", paramLabel = "FILE[:WEIGHT]",
      description = "A LoRA (.safetensors, kohya's or diffusers' layout; a file or one in a Hub repository,"
          + " org/name/path/in/repo.safetensors) merged into the model at strength WEIGHT (default 1); repeat for"
          + " several.")
  List<String> loras = new ArrayList<>();

  @Option(names = "--lora-dir", paramLabel = "DIR",
      description = "Where A1111's <lora:name:strength> prompt tags (with --prompt-syntax a1111) find their LoRAs:"
          + " DIR/name.safetensors, merged at the tag's strength, as A1111's models/Lora folder; repeat for several.")
  List<Path> loraDirs = new ArrayList<>();

  @Option(names = "--embedding", paramLabel = "FILE",
      description = "A textual-inversion embedding (.safetensors or .pt) that prompts call by its file name, as A1111's"
          + " embeddings folder (needs --prompt-syntax a1111); repeat for several.")
  List<Path> embeddings = new ArrayList<>();

  @Option(names = "--refiner", paramLabel = "PATH",
      description = "SDXL's refiner (a diffusers folder or Hub id, e.g. stabilityai/stable-diffusion-xl-refiner-1.0),"
          + " or any model with the same latents, taking over the end of the schedule (--refiner-switch-at).")
  String refiner;

  @Option(names = "--controlnet", paramLabel = "PATH",
      description = "A ControlNet made for the model (a diffusers ControlNet folder, e.g."
          + " lllyasviel/sd-controlnet-canny, or one file in the original layout, e.g. control_v11p_sd15_canny.pth),"
          + " following --control-image, or a diffusers T2I-Adapter folder; or the Hub id of either (e.g."
          + " TencentARC/t2iadapter_canny_sd15v2); repeat for several, whose residuals add up.")
  List<Path> controlNets = new ArrayList<>();

  @Option(names = "--upscaler", paramLabel = "FILE",
      description = "An ESRGAN upscaler (.pth or .safetensors: Real-ESRGAN's RealESRGAN_x4plus.pth, 4x-UltraSharp, ...)"
          + " for --hires-upscaler, which names it as A1111 does (R-ESRGAN 4x+ for RealESRGAN_x4plus, else the file's"
          + " name without extension); repeat for several.")
  List<Path> upscalers = new ArrayList<>();

  @Option(names = "--upscaler-dir", paramLabel = "DIR",
      description = "Where --hires-upscaler NAME (and an infotext's Hires upscaler) finds an upscaler not given by"
          + " --upscaler: DIR/NAME.pth or .safetensors (Real-ESRGAN's file names for A1111's R-ESRGAN names), as"
          + " A1111's models/ESRGAN and models/RealESRGAN folders; repeat for several.")
  List<Path> upscalerDirs = new ArrayList<>();

  boolean hasEmbeddings() {
    return !embeddings.isEmpty();
  }

  /**
   * The engine these options describe, not yet built.
   *
   * @throws CommandLine.ParameterException naming the option whose value is wrong
   */
  StableDiffusion.Builder engine(CommandSpec spec) {
    StableDiffusion.Builder engine = StableDiffusion.builder().model(DemoModel.resolve(model)).backend(backend);
    if (variant != null) {
      engine.variant(variant);
    }
    if (vae != null) {
      engine.vae(vae);
    }
    if (taesd != null) {
      engine.tinyAutoencoder(taesd);
    }
    embeddings.forEach(engine::embedding);
    if (refiner != null) {
      engine.refiner(refiner);
    }
    controlNets.forEach(engine::controlNet);
    upscalers.forEach(engine::upscaler);
    for (String lora : loras) {
      addLora(spec, engine, lora);
    }
    if (config != null) {
      engine.config(config);
    }
    if (family != null) {
      try {
        engine.family(ModelFamily.parse(family));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--family: " + e.getMessage());
      }
    }
    return engine;
  }

  /**
   * Adds the LoRAs that A1111's {@code <lora:name:strength>} tags in {@code prompts} name, found in the
   * {@code --lora-dir} folders, at the tags' strengths; a tag whose LoRA is already given by {@code --lora} is left to
   * it (the engine refuses a strength that differs).
   *
   * @throws CommandLine.ParameterException where a tag's LoRA is in no folder
   */
  void addTaggedLoras(CommandSpec spec, StableDiffusion.Builder engine, List<String> prompts) {
    List<String> given = loras.stream().map(l -> Lora.nameOf(Path.of(fileOf(l)))).toList();
    List<String> added = new ArrayList<>();
    for (String prompt : prompts) {
      for (ExtraNetworks.Use use : ExtraNetworks.uses(prompt)) {
        if (!use.isLora() || use.strength().isEmpty() || given.contains(use.name()) || added.contains(use.name())) {
          continue;
        }
        Path file = loraDirs.stream().map(d -> d.resolve(use.name() + ".safetensors")).filter(Files::isRegularFile)
            .findFirst().orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(), "the prompt's "
                + use.tag() + ": no " + use.name() + ".safetensors in " + (loraDirs.isEmpty() ? "any folder (give"
                    + " --lora-dir, A1111's models/Lora)" : loraDirs)));
        engine.lora(file, use.strength().getAsDouble());
        added.add(use.name());
      }
    }
  }

  /**
   * The file of the upscaler named {@code name}: one given by {@code --upscaler}, else one in an
   * {@code --upscaler-dir} folder; empty if neither has it.
   */
  Optional<Path> upscalerFile(String name) {
    Optional<Path> given = upscalers.stream().filter(f -> ModelUpscaler.nameOf(f).equals(name)).findFirst();
    if (given.isPresent()) {
      return given;
    }
    return upscalerDirs.stream().flatMap(d -> ModelUpscaler.fileStemsOf(name).stream()
        .flatMap(stem -> Stream.of(".pth", ".safetensors").map(ext -> d.resolve(stem + ext))))
        .filter(Files::isRegularFile).findFirst();
  }

  /** The file part of a {@code --lora} value: a colon not followed by a number belongs to the file name. */
  private static String fileOf(String value) {
    return weightOf(value).isPresent() ? value.substring(0, value.lastIndexOf(':')) : value;
  }

  /** The weight part of a {@code --lora} value ({@code FILE:WEIGHT}), if it has one. */
  private static OptionalDouble weightOf(String value) {
    int colon = value.lastIndexOf(':');
    if (colon > 0) {
      try {
        return OptionalDouble.of(Double.parseDouble(value.substring(colon + 1)));
      } catch (NumberFormatException e) {
        return OptionalDouble.empty();
      }
    }
    return OptionalDouble.empty();
  }

  /** {@code FILE} or {@code FILE:WEIGHT} (1 without). */
  private static void addLora(CommandSpec spec, StableDiffusion.Builder engine, String value) {
    String file = fileOf(value);
    if (!HubFiles.looksLikeReference(file) && !Files.isRegularFile(Path.of(file))) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--lora: " + file + " is not a file (or a file in"
          + " a Hub repository, org/name/path/in/repo.safetensors)");
    }
    engine.lora(file, weightOf(value).orElse(1));
  }
}
