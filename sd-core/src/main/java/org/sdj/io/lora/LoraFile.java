package org.sdj.io.lora;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  private static final List<String> OTHER_KINDS = List.of(".hada_w1_a", ".lokr_w1", ".lora_mid.weight", ".diff",
      ".dora_scale");

  private final Path path;
  private final SafeTensorsFile file;
  private final List<LoraLayer> layers = new ArrayList<>();

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
    for (String name : file.names()) {
      for (String kind : OTHER_KINDS) {
        if (name.endsWith(kind) || name.contains(kind + ".")) {
          throw new LoraException(path, "holds LyCORIS or DoRA layers of a kind sdj does not merge (" + name + ");"
              + " sdj merges plain LoRA and LoCon layers");
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
    if (pairs.isEmpty()) {
      throw new LoraException(path, "holds no LoRA layers (no *.lora_down.weight / *.lora_up.weight or"
          + " *.lora_A.weight / *.lora_B.weight tensors): is it a LoRA?");
    }
    for (Map.Entry<String, String[]> pair : pairs.entrySet()) {
      String key = pair.getKey();
      String[] names = pair.getValue();
      if (names[0] == null || names[1] == null) {
        throw new LoraException(path, "has " + (names[0] != null ? names[0] : names[1]) + " without its other factor");
      }
      layers.add(layer(key, file.get(names[0]), file.get(names[1])));
    }
  }

  private LoraLayer layer(String key, SafeTensor down, SafeTensor up) {
    Map.Entry<String, Component> prefix = PREFIXES.entrySet().stream().filter(p -> key.startsWith(p.getKey()))
        .findFirst().orElseThrow(() -> new LoraException(path, "has layer " + key + " for a model sdj does not"
            + " know (expected lora_unet_, lora_te_, lora_te1_, lora_te2_, unet., text_encoder. or"
            + " text_encoder_2.)"));
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
    return new LoraLayer(prefix.getValue(), key.substring(prefix.getKey().length()), down, up, alpha);
  }

  @Override
  public void close() {
    file.close();
  }
}
