package org.sdj.io.lora;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.sdj.io.model.Component;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;

/** A LoRA file read into its layers; see {@link Lora} for the layouts. Keeps the file mapped until closed. */
final class LoraFile implements AutoCloseable {
  /** Name prefixes and the component each targets. */
  private static final Map<String, Component> PREFIXES = Map.of(
      "lora_unet_", Component.UNET, "lora_te_", Component.TEXT_ENCODER,
      "lora_te1_", Component.TEXT_ENCODER, "lora_te2_", Component.TEXT_ENCODER_2,
      "unet.", Component.UNET, "text_encoder.", Component.TEXT_ENCODER, "text_encoder_2.", Component.TEXT_ENCODER_2);
  /** The down and up factors' name endings, in pairs. */
  private static final List<String[]> FACTORS = List.of(
      new String[] {".lora_down.weight", ".lora_up.weight"},
      new String[] {".lora_A.weight", ".lora_B.weight"},
      new String[] {".lora.down.weight", ".lora.up.weight"});
  /** LyCORIS' LoHa and LoKr tensors, named after the layer's key (no {@code .weight}). */
  private static final List<String> LYCORIS = List.of("hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b", "hada_t1",
      "hada_t2", "lokr_w1", "lokr_w1_a", "lokr_w1_b", "lokr_w2", "lokr_w2_a", "lokr_w2_b", "lokr_t2");
  private static final List<String> OTHER_KINDS = List.of(".diff_b", ".lora_magnitude_vector");
  private static final String DORA_SCALE = ".dora_scale";

  private final Path path;
  private final SafeTensorsFile file;
  private final List<LoraLayer> layers = new ArrayList<>();
  /** Each layer's index in {@link #layers} by its key (the tensors' names before {@code .lora_down.weight}, ...). */
  private final Map<String, Integer> indexByKey = new HashMap<>();

  private LoraFile(Path path, SafeTensorsFile file) {
    this.path = path;
    this.file = file;
  }

  /**
   * Reads the layers of the LoRA at {@code path}.
   *
   * @throws LoraException if the file holds no LoRA layers, kinds sdj does not merge, or a factor without its pair
   */
  static LoraFile open(Path path) {
    SafeTensorsFile file = SafeTensorsFile.open(path);
    LoraFile lora = new LoraFile(path, file);
    try {
      lora.read();
      return lora;
    } catch (RuntimeException e) {
      file.close();
      throw e;
    }
  }

  Path path() {
    return path;
  }

  List<LoraLayer> layers() {
    return List.copyOf(layers);
  }

  private void read() {
    Map<String, String[]> pairs = new LinkedHashMap<>();
    Map<String, Map<String, SafeTensor>> lycoris = new LinkedHashMap<>();
    Map<String, SafeTensor> doraScales = new LinkedHashMap<>();
    for (String name : file.names()) {
      for (String kind : OTHER_KINDS) {
        if (name.endsWith(kind) || name.contains(kind + ".")) {
          throw new LoraException(path, "holds LyCORIS or DoRA layers of a kind sdj does not merge (" + name + ");"
              + " sdj merges plain LoRA, LoCon, LoHa, LoKr and full-difference layers, and kohya's and LyCORIS'"
              + " DoRA (dora_scale)");
        }
      }
      if (name.endsWith(DORA_SCALE)) {
        doraScales.put(name.substring(0, name.length() - DORA_SCALE.length()), file.get(name));
      }
      if (name.endsWith(".diff")) {
        String key = name.substring(0, name.length() - ".diff".length());
        Map.Entry<String, Component> prefix = prefix(key);
        add(key, new DenseLayer(prefix.getValue(), key.substring(prefix.getKey().length()),
            Factors.Matrix.of(file.get(name)), 1));
      }
      for (String part : LYCORIS) {
        if (name.endsWith("." + part)) {
          String key = name.substring(0, name.length() - part.length() - 1);
          lycoris.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(part, file.get(name));
        }
      }
      for (String[] factor : FACTORS) {
        for (int side = 0; side < 2; side++) {
          if (name.endsWith(factor[side])) {
            String key = name.substring(0, name.length() - factor[side].length());
            pairs.computeIfAbsent(key, k -> new String[2])[side] = name;
          }
        }
      }
    }
    if (pairs.isEmpty() && lycoris.isEmpty()) {
      throw new LoraException(path, "holds no LoRA layers (no *.lora_down.weight / *.lora_up.weight,"
          + " *.lora_A.weight / *.lora_B.weight, *.hada_w1_a or *.lokr_w1 tensors): is it a LoRA?");
    }
    for (Map.Entry<String, Map<String, SafeTensor>> layer : lycoris.entrySet()) {
      add(layer.getKey(), lycorisLayer(layer.getKey(), layer.getValue()));
    }
    for (Map.Entry<String, String[]> pair : pairs.entrySet()) {
      String key = pair.getKey();
      String[] names = pair.getValue();
      if (names[0] == null || names[1] == null) {
        throw new LoraException(path, "has " + (names[0] != null ? names[0] : names[1]) + " without its other factor");
      }
      add(key, layer(key, file.get(names[0]), file.get(names[1])));
    }
    for (Map.Entry<String, SafeTensor> scale : doraScales.entrySet()) {
      Integer index = indexByKey.get(scale.getKey());
      if (index == null) {
        throw new LoraException(path, "has " + scale.getKey() + DORA_SCALE + " without the layer it decomposes");
      }
      layers.set(index, dora(scale.getKey(), layers.get(index), scale.getValue()));
    }
  }

  private void add(String key, LoraLayer layer) {
    indexByKey.put(key, layers.size());
    layers.add(layer);
  }

  /**
   * {@code layer} with DoRA's decomposition by {@code scale}: {@code [1, in(, 1, 1)]} (a magnitude per input channel,
   * kohya's and LyCORIS' default) or {@code [out(, 1, ...)]} (per output row, LyCORIS' {@code wd_on_out}).
   */
  private LoraLayer dora(String key, LoraLayer layer, SafeTensor scale) {
    long[] shape = scale.shape();
    long trailing = Arrays.stream(shape).skip(2).reduce(1, Math::multiplyExact);
    boolean byColumns = shape.length >= 2 && shape[0] == 1 && trailing == 1 && shape[1] > 0
        && layer.in() % shape[1] == 0 && layer.out() != 1;
    boolean byRows = shape.length >= 1 && shape[0] == layer.out()
        && Arrays.stream(shape).skip(1).allMatch(d -> d == 1);
    if (!byColumns && !byRows) {
      throw new LoraException(path, "layer " + key + " has a dora_scale of shape " + Arrays.toString(shape)
          + ", which is neither one magnitude per input channel [1, in] nor one per output [" + layer.out() + ", 1]");
    }
    return new DoraLayer(layer, scale.toFloatArray(), !byColumns);
  }

  /** The model a layer's key names, and the key after its prefix. */
  private Map.Entry<String, Component> prefix(String key) {
    return PREFIXES.entrySet().stream().filter(p -> key.startsWith(p.getKey()))
        .findFirst().orElseThrow(() -> new LoraException(path, "has layer " + key + " for a model sdj does not"
            + " know (expected lora_unet_, lora_te_, lora_te1_, lora_te2_, unet., text_encoder. or"
            + " text_encoder_2.)"));
  }

  private LoraLayer layer(String key, SafeTensor down, SafeTensor up) {
    Map.Entry<String, Component> prefix = prefix(key);
    long[] d = down.shape();
    long[] u = up.shape();
    boolean shapesFit = (d.length == 2 || d.length == 4) && u.length == d.length && u[1] == d[0]
        && (u.length == 2 || u[2] == 1 && u[3] == 1);
    if (!shapesFit) {
      throw new LoraException(path, "layer " + key + " has factors of shapes " + Arrays.toString(d)
          + " and " + Arrays.toString(u) + ", which do not make a low-rank product");
    }
    String alphaName = key + ".alpha";
    double alpha = file.contains(alphaName) ? file.get(alphaName).getFloat(0) : d[0];
    String module = key.substring(prefix.getKey().length());
    if (file.contains(key + ".lora_mid.weight")) {
      // LoCon's Tucker form: down and up are 1x1, the kernel is the core's (network_lora's cp decomposition).
      try {
        Factors.Matrix change = Factors.tucker(file.get(key + ".lora_mid.weight"),
            Factors.Matrix.of(up).transposed(), Factors.Matrix.of(down));
        return new DenseLayer(prefix.getValue(), module, change, alpha / d[0]);
      } catch (IllegalArgumentException e) {
        throw new LoraException(path, "layer " + key + ": " + e.getMessage());
      }
    }
    return new LowRankLayer(prefix.getValue(), module, down, up, alpha);
  }

  /** A LoHa or LoKr layer from its tensors, as AUTOMATIC1111 rebuilds them. */
  private LoraLayer lycorisLayer(String key, Map<String, SafeTensor> parts) {
    Map.Entry<String, Component> prefix = prefix(key);
    String module = key.substring(prefix.getKey().length());
    OptionalDouble alpha = file.contains(key + ".alpha") ? OptionalDouble.of(file.get(key + ".alpha").getFloat(0))
        : OptionalDouble.empty();
    try {
      if (parts.keySet().stream().anyMatch(p -> p.startsWith("hada_"))) {
        Factors.Matrix first = HadamardLayer.product(matrix(key, parts, "hada_w1_a"), matrix(key, parts, "hada_w1_b"),
            Optional.ofNullable(parts.get("hada_t1")));
        Factors.Matrix second = HadamardLayer.product(matrix(key, parts, "hada_w2_a"),
            matrix(key, parts, "hada_w2_b"), Optional.ofNullable(parts.get("hada_t2")));
        OptionalDouble dim = OptionalDouble.of(parts.get("hada_w1_b").shape()[0]);
        return new HadamardLayer(prefix.getValue(), module, first, second, Factors.scale(alpha, dim));
      }
      Factors.Matrix w1 = parts.containsKey("lokr_w1") ? Factors.Matrix.of(parts.get("lokr_w1"))
          : Factors.product(matrix(key, parts, "lokr_w1_a"), matrix(key, parts, "lokr_w1_b"));
      Factors.Matrix w2 = parts.containsKey("lokr_w2") ? Factors.Matrix.of(parts.get("lokr_w2"))
          : HadamardLayer.product(matrix(key, parts, "lokr_w2_a"), matrix(key, parts, "lokr_w2_b"),
              Optional.ofNullable(parts.get("lokr_t2")));
      // The rank of the decomposed factor, the second's where both are (AUTOMATIC1111's dim).
      OptionalDouble dim = parts.containsKey("lokr_w2_b") ? OptionalDouble.of(parts.get("lokr_w2_b").shape()[0])
          : parts.containsKey("lokr_w1_b") ? OptionalDouble.of(parts.get("lokr_w1_b").shape()[0])
              : OptionalDouble.empty();
      return new KroneckerLayer(prefix.getValue(), module, w1, w2, Factors.scale(alpha, dim));
    } catch (IllegalArgumentException e) {
      throw new LoraException(path, "layer " + key + ": " + e.getMessage());
    }
  }

  private Factors.Matrix matrix(String key, Map<String, SafeTensor> parts, String part) {
    SafeTensor t = parts.get(part);
    if (t == null) {
      throw new LoraException(path, "layer " + key + " has " + String.join(", ", parts.keySet()) + " but no " + part);
    }
    return Factors.Matrix.of(t);
  }

  @Override
  public void close() {
    file.close();
  }
}
