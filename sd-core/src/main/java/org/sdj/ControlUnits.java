package org.sdj;

import java.awt.image.BufferedImage;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.sdj.backend.Backend;
import org.sdj.image.Images;
import org.sdj.image.ResizeMode;
import org.sdj.io.model.ControlNetConfig;
import org.sdj.io.model.T2IAdapterConfig;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.model.controlnet.ControlNetModel;
import org.sdj.pipeline.AdapterInput;
import org.sdj.pipeline.ControlInput;
import org.sdj.pipeline.LoadedControlNet;
import org.sdj.pipeline.LoadedT2IAdapter;
import org.sdj.pipeline.PipelineComponents;

/**
 * The control models an engine loads ({@link StableDiffusion.Builder#controlNet}), in their order, as A1111's
 * ControlNet units hold them: ControlNets, and T2I-Adapters (a diffusers folder whose config names a
 * {@code T2IAdapter}); each request gives one {@link Control} per unit.
 */
final class ControlUnits implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ControlUnits.class.getName());

  /**
   * Where a control model's files are, and its name for the parameters (A1111's: the folder's or file's name; the Hub
   * id of a downloaded one).
   */
  record Source(Path location, String name) {}

  /** One loaded control model. */
  private sealed interface Unit {
    String name();

    void close();
  }

  private record Net(LoadedControlNet net, String name) implements Unit {
    @Override
    public void close() {
      net.close();
    }
  }

  private record Adapter(LoadedT2IAdapter adapter, String name) implements Unit {
    @Override
    public void close() {
      adapter.close();
    }
  }

  private final List<Unit> units;

  private ControlUnits(List<Unit> units) {
    this.units = List.copyOf(units);
  }

  static ControlUnits none() {
    return new ControlUnits(List.of());
  }

  /**
   * Loads the control models at {@code paths} onto {@code backend}, refusing any not made for {@code model}; on
   * failure frees those it loaded.
   *
   * @param variant the weights variant of their folders ({@code fp16})
   */
  static ControlUnits load(List<Source> sources, Optional<String> variant, Backend backend,
      PipelineComponents model) {
    List<Unit> units = new ArrayList<>();
    try {
      for (Source source : sources) {
        Path path = source.location();
        units.add(LoadedT2IAdapter.isAdapter(path)
            ? new Adapter(loadAdapter(path, variant, backend, model), source.name())
            : new Net(loadControlNet(path, variant, backend, model), source.name()));
      }
      return new ControlUnits(units);
    } catch (RuntimeException e) {
      units.forEach(Unit::close);
      throw e;
    }
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
    refuseIfAny(mismatches, "ControlNet " + loaded.location(), loaded::close);
    LOG.log(Level.INFO, "loaded ControlNet {0}", loaded.location());
    return loaded;
  }

  /**
   * The T2I-Adapter on {@code backend}, refused unless its feature maps fit {@code model}'s UNet: as wide as the down
   * blocks (and the mid block, for a fourth map beside three blocks), the first at the latents' size.
   */
  private static LoadedT2IAdapter loadAdapter(Path path, Optional<String> variant, Backend backend,
      PipelineComponents model) {
    LoadedT2IAdapter loaded = LoadedT2IAdapter.load(path, variant, backend);
    T2IAdapterConfig config = loaded.model().config();
    List<Integer> blocks = model.unet().config().blockOutChannels();
    List<Integer> widths = loaded.model().featureWidths();
    List<String> mismatches = new ArrayList<>();
    boolean fits = widths.size() <= blocks.size() + 1 && IntStream.range(0, widths.size())
        .allMatch(i -> widths.get(i).equals(blocks.get(Math.min(i, blocks.size() - 1))));
    if (!fits) {
      mismatches.add("its feature maps are " + widths + " wide, the UNet's down blocks " + blocks);
    }
    int first = loaded.model().firstFeatureFactor();
    boolean sdxl = model.unet().takesAddedCondition();
    // SDXL's first down block has no attention: its map joins after the block's downsampler, at half the latents.
    int expected = model.vae().downscaleFactor() * (sdxl ? 2 : 1);
    if (first != expected) {
      mismatches.add("its first feature map is at 1/" + first + " of the picture, the UNet takes it at 1/"
          + expected + " (" + (config.adapterType() == T2IAdapterConfig.AdapterType.FULL_XL
              ? "an SDXL adapter for another model" : "an adapter for SD 1.x/2.x") + "?)");
    }
    refuseIfAny(mismatches, "T2I-Adapter " + loaded.location(), loaded::close);
    LOG.log(Level.INFO, "loaded T2I-Adapter {0}", loaded.location());
    return loaded;
  }

  private static void refuseIfAny(List<String> mismatches, String what, Runnable close) {
    if (!mismatches.isEmpty()) {
      close.run();
      throw new SdjException(what + " was made for another model: " + String.join("; ", mismatches));
    }
  }

  boolean isEmpty() {
    return units.isEmpty();
  }

  /**
   * Refuses a request whose control images these models cannot serve.
   *
   * @throws InvalidRequestException saying what to change
   */
  void check(GenerationRequest request, int width, int height) {
    if (units.isEmpty()) {
      throw new InvalidRequestException("the request has a control image, but no ControlNet is loaded: add one to"
          + " the engine (StableDiffusion.builder().controlNet(...), sdj generate --controlnet)");
    }
    if (request.controls().size() != units.size()) {
      throw new InvalidRequestException("the request has " + request.controls().size() + " control images for "
          + units.size() + " ControlNets and T2I-Adapters: give one for each, in their order (a scale of 0 turns one"
          + " off)");
    }
    for (Control control : request.controls()) {
      String problem = control.problem();
      if (!problem.isEmpty()) {
        throw new InvalidRequestException(problem);
      }
    }
    for (Unit unit : units) {
      if (unit instanceof Adapter a) {
        int factor = a.adapter().model().config().totalDownscaleFactor();
        if (width % factor != 0 || height % factor != 0) {
          throw new InvalidRequestException("T2I-Adapter " + a.name() + " takes pictures whose sides are multiples"
              + " of " + factor + ", got " + width + "x" + height);
        }
      }
    }
  }

  /** The request's control images for the ControlNets, at a pass's picture size, each in its channel order. */
  List<ControlInput> controls(GenerationRequest request, int width, int height) {
    List<ControlInput> out = new ArrayList<>();
    // A request without control images runs the model alone; one with them has one per unit (check).
    for (int i = 0; i < request.controls().size(); i++) {
      if (units.get(i) instanceof Net n) {
        Control c = request.controls().get(i);
        ControlNetModel model = n.net().model();
        float[] image = Images.toUnitTensor(c.resizeMode().apply(c.controlImage(), width, height));
        if (model.config().bgr()) {
          int plane = width * height;
          float[] red = Arrays.copyOfRange(image, 0, plane);
          System.arraycopy(image, 2 * plane, image, 0, plane);
          System.arraycopy(red, 0, image, 2 * plane, plane);
        }
        out.add(new ControlInput(model, image, c.scale(), c.guidanceStart(), c.guidanceEnd()));
      }
    }
    return out;
  }

  /**
   * The request's control images for the T2I-Adapters at a pass's picture size, as diffusers' adapter pipelines
   * take them (resized with Lanczos; one gray channel for an adapter of one input channel).
   *
   * @throws InvalidRequestException for a size an adapter cannot take (a hires pass's)
   */
  List<AdapterInput> adapters(GenerationRequest request, int width, int height) {
    List<AdapterInput> out = new ArrayList<>();
    for (int i = 0; i < request.controls().size(); i++) {
      if (units.get(i) instanceof Adapter a) {
        int factor = a.adapter().model().config().totalDownscaleFactor();
        if (width % factor != 0 || height % factor != 0) {
          throw new InvalidRequestException("T2I-Adapter " + a.name() + " takes pictures whose sides are multiples"
              + " of " + factor + ", and this pass's are " + width + "x" + height);
        }
        Control c = request.controls().get(i);
        BufferedImage picture = c.resizeMode() == ResizeMode.JUST_RESIZE ? c.controlImage()
            : c.resizeMode().apply(c.controlImage(), width, height);
        float[] image = a.adapter().model().config().inChannels() == 1
            ? Images.toGrayUnitTensor(picture, width, height)
            : Images.toUnitTensor(Images.resize(picture, width, height));
        out.add(new AdapterInput(a.adapter().model(), image, c.scale(), c.guidanceStart(), c.guidanceEnd()));
      }
    }
    return out;
  }

  /** The request's use of the units, for its parameters, as A1111's ControlNet units. */
  List<GenerationParameters.ControlNetUse> uses(GenerationRequest request) {
    return IntStream.range(0, request.controls().size()).mapToObj(i -> new GenerationParameters.ControlNetUse(
        request.controls().get(i).preprocessor().module(), units.get(i).name(), request.controls().get(i).scale(), request.controls().get(i).guidanceStart(),
        request.controls().get(i).guidanceEnd())).toList();
  }

  @Override
  public void close() {
    units.forEach(Unit::close);
  }
}
