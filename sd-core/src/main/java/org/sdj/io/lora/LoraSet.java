package org.sdj.io.lora;

import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.sdj.backend.WeightData;
import org.sdj.backend.WeightFloats;
import org.sdj.io.model.Component;

/**
 * LoRAs open for merging while a model loads: for each component, the function that gives a weight with every LoRA
 * term that names it added ({@link #merger}). Files are closed with the set; the merged weights are copies of their
 * own, in the base weight's dtype.
 */
public final class LoraSet implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(LoraSet.class.getName());

  private record Term(Path file, LoraLayer layer, double strength) {}

  private final List<LoraFile> files = new ArrayList<>();
  private final List<Lora> loras;

  private LoraSet(List<Lora> loras) {
    this.loras = List.copyOf(loras);
  }

  /**
   * Refuses a LoRA with layers for a component the model lacks (SDXL's second text encoder, for an SD 1.x/2.x model),
   * whose terms would otherwise be dropped unsaid.
   *
   * @throws LoraException naming the file and the component
   */
  public void requireComponents(Set<Component> present) {
    for (LoraFile file : files) {
      for (LoraLayer layer : file.layers()) {
        if (!present.contains(layer.component())) {
          throw new LoraException(file.path(), "has layers for " + layer.component().folderName() + " (e.g. "
              + layer.module() + "), which this model does not have: a LoRA for SDXL?");
        }
      }
    }
  }

  /** No LoRAs: every weight as it is. */
  public static LoraSet none() {
    return new LoraSet(List.of());
  }

  /**
   * Opens {@code loras}' files and reads their layers.
   *
   * @throws LoraException if one is not a LoRA sdj can merge
   */
  public static LoraSet open(List<Lora> loras) {
    LoraSet set = new LoraSet(loras);
    try {
      for (Lora lora : loras) {
        set.files.add(LoraFile.open(lora.file()));
      }
      return set;
    } catch (RuntimeException e) {
      set.close();
      throw e;
    }
  }

  /**
   * For {@code component}, whose state dict holds {@code names}: a function from a weight's name and data to the
   * data to load, the LoRAs' terms added where they name it.
   *
   * @throws LoraException if a LoRA has layers for this component but none of them is one of its weights (a LoRA for
   *     another architecture); layers that match nothing among others that do are logged and skipped
   */
  public BiFunction<String, WeightData, WeightData> merger(Component component, Set<String> names) {
    return merger(component, names, name -> Optional.empty());
  }

  /**
   * {@link #merger(Component, Set)}, where layers may also be named by their modules' original names
   * ({@code originalModule}: a weight's name to its module's original name, as {@code OriginalModuleNames} gives).
   */
  public BiFunction<String, WeightData, WeightData> merger(Component component, Set<String> names,
      Function<String, Optional<String>> originalModule) {
    Map<String, String> byKey = new HashMap<>();
    for (String name : names) {
      if (name.endsWith(".weight")) {
        String module = name.substring(0, name.length() - ".weight".length());
        byKey.put(module, name);
        byKey.put(module.replace('.', '_'), name);
        originalModule.apply(name).ifPresent(original -> byKey.putIfAbsent(original.replace('.', '_'), name));
        if (component == Component.TEXT_ENCODER || component == Component.TEXT_ENCODER_2) {
          // kohya names the transformers 4.x layout (text_model.*); transformers 5 drops that level, and LoRAs made
          // from its modules name them without it: each layout's weights answer to the other's names too.
          boolean nested = module.startsWith("text_model.");
          String other = nested ? module.substring("text_model.".length()) : "text_model." + module;
          byKey.putIfAbsent(other, name);
          byKey.putIfAbsent(other.replace('.', '_'), name);
        }
      }
    }
    Map<String, List<Term>> terms = new HashMap<>();
    for (int i = 0; i < files.size(); i++) {
      LoraFile file = files.get(i);
      List<String> unmatched = new ArrayList<>();
      int layers = 0;
      for (LoraLayer layer : file.layers()) {
        if (layer.component() != component) {
          continue;
        }
        layers++;
        String name = byKey.get(layer.module());
        if (name == null) {
          unmatched.add(layer.module());
        } else {
          terms.computeIfAbsent(name, n -> new ArrayList<>()).add(new Term(file.path(), layer,
              loras.get(i).weight()));
        }
      }
      if (layers > 0 && unmatched.size() == layers) {
        throw new LoraException(file.path(), "none of its " + layers + " " + component.folderName() + " layers is a"
            + " layer of this model (e.g. " + unmatched.getFirst() + "): a LoRA for another architecture?");
      }
      if (!unmatched.isEmpty()) {
        LOG.log(Level.WARNING, "LoRA {0}: {1} of {2} {3} layers match no layer of this model and are skipped, e.g."
            + " {4}", file.path(), unmatched.size(), layers, component.folderName(), unmatched.getFirst());
      }
    }
    return (name, base) -> {
      List<Term> t = terms.get(name);
      return t == null ? base : merged(base, t);
    };
  }

  /** {@code base} plus every term's change times its strength, in float, stored back in the base's dtype. */
  private static WeightData merged(WeightData base, List<Term> terms) {
    float[] w = WeightFloats.toArray(base);
    long[] shape = base.shape();
    long out = shape[0];
    long in = w.length / out;
    for (Term term : terms) {
      LoraLayer layer = term.layer();
      if (layer.out() != out || layer.in() != in) {
        throw new LoraException(term.file(), "layer " + layer.module() + " changes a weight of " + layer.out()
            + " x " + layer.in() + " values, but the model's " + base.name() + " is " + Arrays.toString(shape)
            + ": a LoRA for another architecture?");
      }
      layer.addTo(w, (float) term.strength());
    }
    return new WeightData(base.name(), base.dtype(), shape,
        MemorySegment.ofArray(WeightFloats.encode(base.dtype(), w)));
  }

  @Override
  public void close() {
    files.forEach(LoraFile::close);
  }
}
