package org.sdj.io.checkpoint;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.model.ClipTextConfig;
import org.sdj.io.model.ControlNetConfig;
import org.sdj.io.model.Component;
import org.sdj.io.model.LoadProblems;
import org.sdj.io.model.ModelSource;
import org.sdj.io.safetensors.TensorSource;
import org.sdj.model.Weights;
import org.sdj.model.clip.ClipTextModel;
import org.sdj.model.controlnet.ControlNetModel;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.model.vae.AutoencoderKL;

/**
 * Maps every weight the configs imply (listed by building each model on a {@linkplain Weights#recording recording
 * view}) to its tensor in the checkpoint, checking that each exists with a shape that fits. Everything missing or
 * misshapen is reported at once; tensors nothing maps to are ignored with one log line.
 */
final class CheckpointMapping {
  private static final System.Logger LOG = System.getLogger(CheckpointMapping.class.getName());
  private static final int EXAMPLES = 5;

  private final TensorSource checkpoint;
  private final Path location;
  private final LoadProblems problems = new LoadProblems();
  private final Set<String> used = new HashSet<>();

  private CheckpointMapping(TensorSource checkpoint, Path location) {
    this.checkpoint = checkpoint;
    this.location = location;
  }

  /**
   * The weights of each component as views of {@code checkpoint}.
   *
   * @throws org.sdj.io.model.ModelLoadException listing every weight missing from the checkpoint or of the wrong shape
   */
  static Map<Component, TensorSource> map(TensorSource checkpoint, Path location, ModelConfigs configs) {
    CheckpointMapping mapping = new CheckpointMapping(checkpoint, location);
    Map<Component, TensorSource> views = new EnumMap<>(Component.class);
    Map<String, long[]> unet = expected(w -> new UNet2DConditionModel(configs.unet(), w));
    views.put(Component.UNET, mapping.view("UNet", unet, mapping.unetNames(UNetKeyMap.of(configs.unet()), unet)));
    boolean altVae = !mapping.hasPrefix(CheckpointLayout.VAE) && mapping.hasPrefix(CheckpointLayout.VAE_ALT);
    KeyMap vae = VaeKeyMap.of(configs.vae(), altVae ? CheckpointLayout.VAE_ALT : CheckpointLayout.VAE);
    views.put(Component.VAE, mapping.view("VAE", expected(w -> new AutoencoderKL(configs.vae(), w)), vae));
    Optional<ClipTextConfig> text = configs.textEncoder().map(ModelSource.TextEncoder::config);
    if (configs.textEncoder2().isPresent()) {
      // SDXL: CLIP ViT-L as SD 1.x stores it, and OpenCLIP bigG as SD 2.x does, with its projection; the refiner has
      // the second alone, in the first place.
      text.ifPresent(t -> views.put(Component.TEXT_ENCODER, mapping.view("text encoder",
          expected(w -> new ClipTextModel(t, w)), ClipKeyMap.of(CheckpointLayout.SDXL_CLIP,
              checkpoint.contains(ClipKeyMap.probeWithTextModel(CheckpointLayout.SDXL_CLIP))))));
      views.put(Component.TEXT_ENCODER_2, mapping.view("second text encoder", expected(w -> new ClipTextModel(
          configs.textEncoder2().get().config(), w, true)), new OpenClipKeyMap(text.isPresent()
              ? CheckpointLayout.SDXL_OPEN_CLIP : CheckpointLayout.SDXL_REFINER_OPEN_CLIP)));
    } else {
      KeyMap map = mapping.hasPrefix(CheckpointLayout.OPEN_CLIP) ? new OpenClipKeyMap(CheckpointLayout.OPEN_CLIP)
          : ClipKeyMap.of(CheckpointLayout.CLIP, checkpoint.contains(
              ClipKeyMap.probeWithTextModel(CheckpointLayout.CLIP)));
      views.put(Component.TEXT_ENCODER,
          mapping.view("text encoder", expected(w -> new ClipTextModel(text.orElseThrow(), w)), map));
    }
    mapping.problems.throwIfAny("Cannot load the single-file checkpoint " + location);
    mapping.logUnused();
    return views;
  }

  /**
   * A standalone VAE file's weights ({@code vae-ft-mse-840000-ema-pruned.safetensors}) under diffusers' names: in the
   * original layout, bare or under {@code first_stage_model.} or {@code vae.}; a file already in diffusers' layout
   * is taken as it is.
   *
   * @throws org.sdj.io.model.ModelLoadException listing every VAE weight missing from the file or of the wrong shape
   */
  static TensorSource vae(TensorSource file, Path location, AutoencoderKLConfig config) {
    if (file.contains("decoder.conv_in.weight") && file.contains("decoder.up_blocks.0.resnets.0.conv1.weight")) {
      return file;
    }
    CheckpointMapping mapping = new CheckpointMapping(file, location);
    String prefix = mapping.hasPrefix(CheckpointLayout.VAE) ? CheckpointLayout.VAE
        : mapping.hasPrefix(CheckpointLayout.VAE_ALT) ? CheckpointLayout.VAE_ALT : "";
    TensorSource view = mapping.view("VAE", expected(w -> new AutoencoderKL(config, w)),
        VaeKeyMap.of(config, prefix));
    mapping.problems.throwIfAny("Cannot load the VAE file " + location);
    mapping.logUnused();
    return view;
  }

  /**
   * A ControlNet file's weights ({@link ControlNetFile}) under diffusers' names, through {@code keys}.
   *
   * @throws org.sdj.io.model.ModelLoadException listing every weight missing from the file or of the wrong shape
   */
  static TensorSource controlNet(TensorSource file, Path location, ControlNetConfig config, KeyMap keys) {
    CheckpointMapping mapping = new CheckpointMapping(file, location);
    TensorSource view = mapping.view("ControlNet", expected(w -> new ControlNetModel(config, w)), keys);
    mapping.problems.throwIfAny("Cannot load the ControlNet " + location + " (made for another model?)");
    mapping.logUnused();
    return view;
  }

  private static Map<String, long[]> expected(Consumer<Weights> model) {
    Map<String, long[]> shapes = new TreeMap<>();
    model.accept(Weights.recording(shapes));
    return shapes;
  }

  private boolean hasPrefix(String prefix) {
    return checkpoint.names().stream().anyMatch(n -> n.startsWith(prefix));
  }

  /** The UNet map, reading the EMA weights instead when the checkpoint has an EMA copy of every one. */
  private KeyMap unetNames(KeyMap plain, Map<String, long[]> expected) {
    List<SourceKey> keys = expected.keySet().stream().map(plain::locate).flatMap(Optional::stream).toList();
    long twins = keys.stream().filter(k -> checkpoint.contains(CheckpointLayout.emaTwin(k.name()))).count();
    if (twins == 0) {
      return plain;
    }
    if (twins < keys.size()) {
      LOG.log(Level.WARNING, "{0} has EMA weights for only {1} of {2} UNet weights: using the non-EMA weights",
          location, twins, keys.size());
      return plain;
    }
    LOG.log(Level.INFO, "{0}: using the EMA weights of the UNet ({1}*)", location, CheckpointLayout.EMA);
    // The non-EMA copies are known, not unused: don't report them as ignored.
    keys.forEach(k -> used.add(k.name()));
    return name -> plain.locate(name).map(k -> new SourceKey(CheckpointLayout.emaTwin(k.name()), k.view()));
  }

  private TensorSource view(String component, Map<String, long[]> expected, KeyMap keyMap) {
    Map<String, SourceKey> keys = new HashMap<>();
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, long[]> weight : expected.entrySet()) {
      String name = weight.getKey();
      Optional<SourceKey> key = keyMap.locate(name);
      if (key.isEmpty()) {
        problems.add(component + " weight " + name + ": the single-file layout has no such weight (give a config"
            + " folder whose model matches the checkpoint)");
        continue;
      }
      String source = key.get().name();
      if (!checkpoint.contains(source)) {
        missing.add(source + " (" + name + ")");
        continue;
      }
      long[] stored = checkpoint.get(source).shape();
      Optional<long[]> seen = key.get().view().shape(stored);
      if (seen.isEmpty() || !Arrays.equals(seen.get(), weight.getValue())) {
        problems.add(source + " has shape " + Arrays.toString(stored) + " but the " + component + " config implies "
            + Arrays.toString(weight.getValue()) + " for " + name
            + (seen.isEmpty() ? " (read as " + key.get().view().describe() + ")" : ""));
        continue;
      }
      used.add(source);
      keys.put(name, key.get());
    }
    if (!missing.isEmpty() && missing.size() == expected.size()) {
      problems.add("the checkpoint has none of the " + expected.size() + " " + component + " weights (e.g. "
          + missing.getFirst() + ")");
    } else {
      missing.forEach(m -> problems.add("missing " + component + " weight " + m));
    }
    return new RemappedTensorSource(checkpoint, location, keys);
  }

  private void logUnused() {
    Set<String> unused = new TreeSet<>(checkpoint.names());
    unused.removeAll(used);
    if (!unused.isEmpty()) {
      LOG.log(Level.INFO, "{0}: ignored {1} tensors that no model uses, e.g. {2}", location, unused.size(),
          String.join(", ", unused.stream().limit(EXAMPLES).toList()));
    }
  }
}
