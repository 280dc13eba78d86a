package org.sdj;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.sdj.backend.Backend;
import org.sdj.image.Images;
import org.sdj.io.model.ControlNetConfig;
import org.sdj.io.model.ModelSource;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.model.controlnet.ControlNetModel;
import org.sdj.pipeline.ControlInput;
import org.sdj.pipeline.LoadedControlNet;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;

/**
 * The models an engine loads beside its own: SDXL's refiner ({@link StableDiffusion.Builder#refiner}) and ControlNets
 * ({@link StableDiffusion.Builder#controlNet}), each checked against the model when loaded; and what a request asks
 * of them, checked and prepared for the denoising loop.
 */
final class AttachedModels implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AttachedModels.class.getName());

  /** A refiner loaded beside the model: its pipeline, and its name. */
  record Refiner(StableDiffusionPipeline pipeline, String name) {}

  /** An opened refiner, not yet loaded: its source, and its name. */
  record RefinerSource(ModelSource source, String name) {}

  private final Optional<Refiner> refiner;
  private final List<LoadedControlNet> controlNets;

  private AttachedModels(Optional<Refiner> refiner, List<LoadedControlNet> controlNets) {
    this.refiner = refiner;
    this.controlNets = List.copyOf(controlNets);
  }

  /**
   * Loads the refiner and the ControlNets onto {@code backend}, refusing any not made for {@code model}; on failure
   * frees what it loaded, the refiner's source included.
   *
   * @param variant the weights variant of ControlNet folders ({@code fp16})
   * @param vaeTiling whether the refiner's VAE runs tile by tile, as the model's
   */
  static AttachedModels load(Optional<RefinerSource> refinerSource, List<Path> controlNetPaths,
      Optional<String> variant, Backend backend, PipelineComponents model, boolean vaeTiling) {
    Optional<Refiner> refiner = Optional.empty();
    List<LoadedControlNet> controlNets = new ArrayList<>();
    try {
      if (refinerSource.isPresent()) {
        refiner = Optional.of(loadRefiner(refinerSource.get(), backend, model, vaeTiling));
      }
      for (Path path : controlNetPaths) {
        controlNets.add(loadControlNet(path, variant, backend, model));
      }
      return new AttachedModels(refiner, controlNets);
    } catch (RuntimeException e) {
      controlNets.forEach(LoadedControlNet::close);
      refiner.ifPresent(r -> r.pipeline().components().close());
      throw e;
    }
  }

  /** The refiner on {@code backend}, refused unless its latents are {@code model}'s. */
  private static Refiner loadRefiner(RefinerSource source, Backend backend, PipelineComponents model,
      boolean vaeTiling) {
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
    return new Refiner(new StableDiffusionPipeline(components, backend, vaeTiling), source.name());
  }

  /** The ControlNet on {@code backend}, refused unless it was made for {@code model}'s UNet and latents. */
  private static LoadedControlNet loadControlNet(Path path, Optional<String> variant, Backend backend,
      PipelineComponents model) {
    LoadedControlNet loaded = LoadedControlNet.load(path, variant, model.unet().config(), backend);
    ControlNetConfig config = loaded.model().config();
    UNet2DConditionConfig unet = model.unet().config();
    List<String> mismatches = new ArrayList<>();
    if (!config.unet().blockOutChannels().equals(unet.blockOutChannels())
        || !config.unet().downBlockTypes().equals(unet.downBlockTypes())) {
      mismatches.add("its blocks " + config.unet().blockOutChannels() + " " + config.unet().downBlockTypes()
          + " are not the UNet's " + unet.blockOutChannels() + " " + unet.downBlockTypes());
    }
    if (config.unet().crossAttentionDim(0) != unet.crossAttentionDim(0)) {
      mismatches.add("it reads text " + config.unet().crossAttentionDim(0) + " wide, the UNet "
          + unet.crossAttentionDim(0));
    }
    if (config.downscaleFactor() != model.vae().downscaleFactor()) {
      mismatches.add("it shrinks the control image " + config.downscaleFactor() + " times, the VAE the picture "
          + model.vae().downscaleFactor() + " times");
    }
    if (loaded.model().takesAddedCondition() != model.unet().takesAddedCondition()) {
      mismatches.add(loaded.model().takesAddedCondition() ? "it is an SDXL ControlNet and the model is not"
          : "the model is SDXL and the ControlNet is not");
    }
    if (!mismatches.isEmpty()) {
      loaded.close();
      throw new SdjException("ControlNet " + loaded.location() + " was made for another model: "
          + String.join("; ", mismatches));
    }
    LOG.log(Level.INFO, "loaded ControlNet {0}", loaded.location());
    return loaded;
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
  void check(GenerationRequest request, boolean inpainting) {
    if (request.refinerSwitchAt().isPresent()) {
      checkRefiner(request, inpainting);
    }
    if (!request.controls().isEmpty()) {
      checkControls(request);
    }
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

  private void checkControls(GenerationRequest request) {
    if (controlNets.isEmpty()) {
      throw new InvalidRequestException("the request has a control image, but no ControlNet is loaded: add one to"
          + " the engine (StableDiffusion.builder().controlNet(...), sdj generate --controlnet)");
    }
    if (request.controls().size() != controlNets.size()) {
      throw new InvalidRequestException("the request has " + request.controls().size() + " control images for "
          + controlNets.size() + " ControlNets: give one for each, in their order (a scale of 0 turns one off)");
    }
    for (Control control : request.controls()) {
      String problem = control.problem();
      if (!problem.isEmpty()) {
        throw new InvalidRequestException(problem);
      }
    }
    if (request.refinerSwitchAt().isPresent()) {
      throw new InvalidRequestException("a ControlNet steers the model's own passes; not with a refiner (not"
          + " supported yet)");
    }
  }

  /** The request's control images at a pass's picture size, each in its ControlNet's channel order. */
  List<ControlInput> controls(GenerationRequest request, int width, int height) {
    return IntStream.range(0, request.controls().size()).mapToObj(i -> {
      Control c = request.controls().get(i);
      ControlNetModel model = controlNets.get(i).model();
      float[] image = Images.toUnitTensor(Images.resize(c.image(), width, height));
      if (model.config().bgr()) {
        int plane = width * height;
        float[] red = Arrays.copyOfRange(image, 0, plane);
        System.arraycopy(image, 2 * plane, image, 0, plane);
        System.arraycopy(red, 0, image, 2 * plane, plane);
      }
      return new ControlInput(model, image, c.scale(), c.guidanceStart(), c.guidanceEnd());
    }).toList();
  }

  /** The request's use of the ControlNets, for its parameters. */
  List<GenerationParameters.ControlNetUse> controlNetUses(GenerationRequest request) {
    return IntStream.range(0, request.controls().size()).mapToObj(i -> new GenerationParameters.ControlNetUse(
        controlNets.get(i).name(), request.controls().get(i).scale(), request.controls().get(i).guidanceStart(),
        request.controls().get(i).guidanceEnd())).toList();
  }

  /** Frees the refiner's and the ControlNets' weights. */
  @Override
  public void close() {
    refiner.ifPresent(r -> r.pipeline().components().close());
    controlNets.forEach(LoadedControlNet::close);
  }
}
