package org.sdj;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.sdj.backend.Backend;
import org.sdj.image.ClipImageProcessor;
import org.sdj.io.ipadapter.IpAdapterFile;
import org.sdj.io.model.ModelSource;
import org.sdj.pipeline.AdapterInput;
import org.sdj.pipeline.ControlInput;
import org.sdj.pipeline.ImagePromptInput;
import org.sdj.pipeline.LoadedImageEncoder;
import org.sdj.pipeline.LoadedIpAdapter;
import org.sdj.pipeline.LoadedTinyAutoencoder;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.upscale.ModelUpscaler;

/**
 * The models an engine loads beside its own: SDXL's refiner ({@link StableDiffusion.Builder#refiner}), ControlNets
 * and T2I-Adapters ({@link StableDiffusion.Builder#controlNet}, {@link ControlUnits}) and the image side of IP-Adapters ({@link
 * StableDiffusion.Builder#ipAdapter}, whose attention side is in the UNet's weights), upscalers for the hires fix
 * and TAESD in place of the VAE ({@link StableDiffusion.Builder#tinyAutoencoder}), each checked against the model
 * when loaded; and what a request asks of them, checked and prepared for the denoising loop.
 */
final class AttachedModels implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AttachedModels.class.getName());

  /** A refiner loaded beside the model: its pipeline, and its name. */
  record Refiner(StableDiffusionPipeline pipeline, String name) {}

  /** An opened refiner, not yet loaded: its source, and its name. */
  record RefinerSource(ModelSource source, String name) {}

  /** An opened IP-Adapter file, and the folder of its image encoder. */
  record IpAdapterSource(IpAdapterFile file, Path imageEncoder) {}

  private final Optional<Refiner> refiner;
  private final ControlUnits controlUnits;
  private final List<LoadedIpAdapter> ipAdapters;
  /** The IP-Adapters' image encoders, one per folder. */
  private final Collection<LoadedImageEncoder> imageEncoders;
  /** The IP-Adapter files, which the UNet's weights read too: closed last. */
  private final List<IpAdapterFile> ipAdapterFiles;
  /** The upscaling networks for the hires fix, by name. */
  private final Map<String, ModelUpscaler> upscalers;
  /** TAESD in place of the model's (and the refiner's) VAE; empty for none. */
  private final Optional<LoadedTinyAutoencoder> tinyAutoencoder;

  private AttachedModels(Optional<Refiner> refiner, ControlUnits controlUnits,
      List<LoadedIpAdapter> ipAdapters, Collection<LoadedImageEncoder> imageEncoders,
      List<IpAdapterFile> ipAdapterFiles, Map<String, ModelUpscaler> upscalers,
      Optional<LoadedTinyAutoencoder> tinyAutoencoder) {
    this.upscalers = upscalers;
    this.tinyAutoencoder = tinyAutoencoder;
    this.refiner = refiner;
    this.controlUnits = controlUnits;
    this.ipAdapters = List.copyOf(ipAdapters);
    this.imageEncoders = List.copyOf(imageEncoders);
    this.ipAdapterFiles = List.copyOf(ipAdapterFiles);
  }

  /**
   * Loads the refiner, the ControlNets and the IP-Adapters' image encoders and projections onto {@code backend},
   * refusing any not made for {@code model}; takes the IP-Adapter files, and on failure frees what it loaded, the
   * refiner's source and the IP-Adapter files included.
   *
   * @param variant the weights variant of ControlNet folders ({@code fp16})
   * @param ipAdapterSources the IP-Adapters whose attention projections {@code model}'s UNet was loaded with, in order
   * @param vaeTiling whether the refiner's VAE runs tile by tile, as the model's
   * @param upscalerFiles upscaling networks for the hires fix, each known by its {@link ModelUpscaler#name()}
   * @param tinyAutoencoder TAESD's folder or file, run in place of the model's and the refiner's VAE
   */
  static AttachedModels load(Optional<RefinerSource> refinerSource, List<ControlUnits.Source> controlSources,
      List<IpAdapterSource> ipAdapterSources, Optional<String> variant, Backend backend, PipelineComponents model,
      boolean vaeTiling, List<Path> upscalerFiles, Optional<Path> tinyAutoencoder) {
    Map<String, ModelUpscaler> upscalers = new LinkedHashMap<>();
    Optional<LoadedTinyAutoencoder> tiny = Optional.empty();
    Optional<Refiner> refiner = Optional.empty();
    ControlUnits controlUnits = ControlUnits.none();
    List<LoadedIpAdapter> ipAdapters = new ArrayList<>();
    Map<Path, LoadedImageEncoder> encoders = new LinkedHashMap<>();
    try {
      if (tinyAutoencoder.isPresent()) {
        tiny = Optional.of(loadTiny(tinyAutoencoder.get(), variant, backend, model));
      }
      if (refinerSource.isPresent()) {
        refiner = Optional.of(loadRefiner(refinerSource.get(), backend, model, vaeTiling, tiny));
      }
      controlUnits = ControlUnits.load(controlSources, variant, backend, model);
      for (IpAdapterSource source : ipAdapterSources) {
        Path folder = source.imageEncoder().toAbsolutePath().normalize();
        LoadedImageEncoder encoder = encoders.get(folder);
        if (encoder == null) {
          encoder = LoadedImageEncoder.load(folder, "IP-Adapter " + source.file().name(), backend);
          encoders.put(folder, encoder);
        }
        ipAdapters.add(LoadedIpAdapter.load(source.file(), encoder, model.unet().config().crossAttentionDim(0),
            backend));
        LOG.log(Level.INFO, "loaded IP-Adapter {0}", source.file().file());
      }
      for (Path file : upscalerFiles) {
        ModelUpscaler upscaler = ModelUpscaler.load(file, backend);
        ModelUpscaler before = upscalers.put(upscaler.name(), upscaler);
        if (before != null) {
          upscalers.put(upscaler.name(), before);
          upscaler.close();
          throw new SdjException("two upscalers are named " + upscaler.name() + ": give each file once");
        }
        LOG.log(Level.INFO, "loaded upscaler {0} ({1}x) from {2}", upscaler.name(), upscaler.scale(), file);
      }
      return new AttachedModels(refiner, controlUnits, ipAdapters, encoders.values(),
          ipAdapterSources.stream().map(IpAdapterSource::file).toList(), upscalers, tiny);
    } catch (RuntimeException e) {
      tiny.ifPresent(LoadedTinyAutoencoder::close);
      upscalers.values().forEach(ModelUpscaler::close);
      controlUnits.close();
      ipAdapters.forEach(LoadedIpAdapter::close);
      encoders.values().forEach(LoadedImageEncoder::close);
      ipAdapterSources.forEach(s -> s.file().close());
      refiner.ifPresent(r -> r.pipeline().components().close());
      throw e;
    }
  }

  /** TAESD on {@code backend}, refused unless its latents are {@code model}'s. */
  private static LoadedTinyAutoencoder loadTiny(Path location, Optional<String> variant, Backend backend,
      PipelineComponents model) {
    LoadedTinyAutoencoder tiny = LoadedTinyAutoencoder.load(location, variant, backend);
    int channels = tiny.model().config().latentChannels();
    int factor = tiny.model().config().downscaleFactor();
    if (channels != model.vae().config().latentChannels() || factor != model.vae().downscaleFactor()) {
      tiny.close();
      throw new SdjException("the tiny autoencoder " + location + " reads " + channels + "-channel latents at 1/"
          + factor + " of the picture's size, the model makes " + model.vae().config().latentChannels()
          + "-channel ones at 1/" + model.vae().downscaleFactor() + ": give the TAESD made for the model's family"
          + " (madebyollin/taesd for SD 1.x/2.x, madebyollin/taesdxl for SDXL)");
    }
    LOG.log(Level.INFO, "loaded the tiny autoencoder {0} (its {1}) in place of the VAE's", location,
        tiny.model().hasEncoder() && tiny.model().hasDecoder() ? "encoder and decoder"
            : tiny.model().hasEncoder() ? "encoder" : "decoder");
    return tiny;
  }

  /** The refiner on {@code backend}, refused unless its latents are {@code model}'s. */
  private static Refiner loadRefiner(RefinerSource source, Backend backend, PipelineComponents model,
      boolean vaeTiling, Optional<LoadedTinyAutoencoder> tiny) {
    PipelineComponents components = PipelineComponents.load(source.source(), backend);
    int channels = components.vae().config().latentChannels();
    int factor = components.vae().downscaleFactor();
    if (channels != model.vae().config().latentChannels() || factor != model.vae().downscaleFactor()) {
      components.close();
      throw new SdjException("refiner " + source.name() + " makes " + channels + "-channel latents at 1/" + factor
          + " of the picture's size, the model " + model.vae().config().latentChannels() + "-channel ones at 1/"
          + model.vae().downscaleFactor() + ": a refiner must share the model's latents");
    }
    LOG.log(Level.INFO, "loaded refiner {0}", source.name());
    return new Refiner(new StableDiffusionPipeline(components, backend, vaeTiling)
        .withTinyAutoencoder(tiny.map(LoadedTinyAutoencoder::model)), source.name());
  }

  /** TAESD in place of the VAE, where the engine loaded one. */
  Optional<LoadedTinyAutoencoder> tinyAutoencoder() {
    return tinyAutoencoder;
  }

  Optional<Refiner> refiner() {
    return refiner;
  }

  /**
   * Refuses a request whose refiner or control images these models cannot serve.
   *
   * @param inpainting whether the request inpaints (with a mask, or on an inpainting model)
   * @throws InvalidRequestException saying what to change
   */
  void check(GenerationRequest request, boolean inpainting, int width, int height) {
    if (request.refinerSwitchAt().isPresent()) {
      checkRefiner(request, inpainting);
    }
    if (!request.controls().isEmpty()) {
      controlUnits.check(request, width, height);
    }
    if (!request.imagePrompts().isEmpty()) {
      checkImagePrompts(request);
    }
    request.hiresFix().flatMap(HiresFix::upscalerModel).ifPresent(this::upscaler);
  }

  /**
   * The upscaling network of this name.
   *
   * @throws InvalidRequestException naming the loaded ones if none has it
   */
  ModelUpscaler upscaler(String name) {
    ModelUpscaler upscaler = upscalers.get(name);
    if (upscaler == null) {
      throw new InvalidRequestException("no upscaler named " + name + " is loaded" + (upscalers.isEmpty() ? ""
          : " (loaded: " + String.join(", ", upscalers.keySet()) + ")") + ": add its file to the engine"
          + " (StableDiffusion.builder().upscaler(...), sdj generate --upscaler FILE)");
    }
    return upscaler;
  }

  private void checkImagePrompts(GenerationRequest request) {
    if (ipAdapters.isEmpty()) {
      throw new InvalidRequestException("the request has an image prompt, but no IP-Adapter is loaded: add one to the"
          + " engine (StableDiffusion.builder().ipAdapter(...), sdj generate --ip-adapter)");
    }
    if (request.imagePrompts().size() != ipAdapters.size()) {
      throw new InvalidRequestException("the request has " + request.imagePrompts().size() + " image prompts for "
          + ipAdapters.size() + " IP-Adapters: give one for each, in their order (a scale of 0 turns one off)");
    }
    for (ImagePrompt prompt : request.imagePrompts()) {
      String problem = prompt.problem();
      if (!problem.isEmpty()) {
        throw new InvalidRequestException(problem);
      }
    }
  }

  /** The request's image prompts as each IP-Adapter's image processor makes them. */
  List<ImagePromptInput> imagePrompts(GenerationRequest request) {
    return IntStream.range(0, request.imagePrompts().size()).mapToObj(i -> {
      ImagePrompt p = request.imagePrompts().get(i);
      LoadedIpAdapter adapter = ipAdapters.get(i);
      return new ImagePromptInput(adapter, ClipImageProcessor.pixelValues(p.image(), adapter.imageSize()),
          p.scale());
    }).toList();
  }

  private void checkRefiner(GenerationRequest request, boolean inpainting) {
    double switchAt = request.refinerSwitchAt().getAsDouble();
    if (refiner.isEmpty()) {
      throw new InvalidRequestException("the request asks for a refiner, but none is loaded: add one to the engine"
          + " (StableDiffusion.builder().refiner(...), sdj generate --refiner)");
    }
    if (!(switchAt > 0 && switchAt < 1)) {
      throw new InvalidRequestException("the refiner's switch must be in (0, 1) (the fraction of the schedule the"
          + " model runs), got " + switchAt);
    }
    if (request.hiresFix().isPresent() || inpainting) {
      throw new InvalidRequestException("a refiner runs after txt2img or img2img; not with "
          + (request.hiresFix().isPresent() ? "the hires fix" : "inpainting") + " (not supported yet)");
    }
    int layers = refiner.get().pipeline().components().textEncoderLayers();
    if (request.clipSkip() > layers) {
      throw new InvalidRequestException("clip skip " + request.clipSkip() + " is past the refiner's text encoder ("
          + layers + " layers)");
    }
  }

  /** The request's control images for the ControlNets at a pass's picture size ({@link ControlUnits#controls}). */
  List<ControlInput> controls(GenerationRequest request, int width, int height) {
    return controlUnits.controls(request, width, height);
  }

  /** The request's control images for the T2I-Adapters ({@link ControlUnits#adapters}). */
  List<AdapterInput> adapters(GenerationRequest request, int width, int height) {
    return controlUnits.adapters(request, width, height);
  }

  /** The request's use of the ControlNets and T2I-Adapters, for its parameters. */
  List<GenerationParameters.ControlNetUse> controlNetUses(GenerationRequest request) {
    return controlUnits.uses(request);
  }

  /** The request's use of the IP-Adapters, for its parameters, as A1111's ControlNet units after the ControlNets. */
  List<GenerationParameters.ControlNetUse> ipAdapterUses(GenerationRequest request) {
    return IntStream.range(0, request.imagePrompts().size()).mapToObj(i -> new GenerationParameters.ControlNetUse(
        "ip-adapter", ipAdapters.get(i).name(), request.imagePrompts().get(i).scale(), 0, 1)).toList();
  }

  /**
   * Frees the refiner's, the ControlNets' and the IP-Adapters' weights and closes the IP-Adapter files (so after the
   * model's own weights, whose UNet reads them).
   */
  @Override
  public void close() {
    refiner.ifPresent(r -> r.pipeline().components().close());
    controlUnits.close();
    ipAdapters.forEach(LoadedIpAdapter::close);
    imageEncoders.forEach(LoadedImageEncoder::close);
    ipAdapterFiles.forEach(IpAdapterFile::close);
    upscalers.values().forEach(ModelUpscaler::close);
    tinyAutoencoder.ifPresent(LoadedTinyAutoencoder::close);
  }
}
