package org.sdj.upscale;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sdj.backend.Backend;
import org.sdj.backend.WeightData;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.TensorSource;
import org.sdj.model.Weights;
import org.sdj.model.esrgan.EsrganConfig;
import org.sdj.model.esrgan.RRDBNet;
import org.sdj.model.esrgan.SRVGGNetCompact;
import org.sdj.model.esrgan.UpscalingNetwork;

/**
 * An upscaler file's tensors under basicsr's names: an ESRGAN network in either layout the published ones come in,
 * basicsr's own ({@code conv_first.weight}, maybe under {@code params_ema.} or {@code params.}, as Real-ESRGAN's files
 * are) or the original ESRGAN repository's sequential one ({@code model.0.weight}, {@code
 * model.1.sub.0.RDB1.conv1.0.weight}, as 4x-UltraSharp's), whose 4x arrangement maps name for name; or Real-ESRGAN's
 * compact network ({@code body.0.weight} and a PReLU's {@code body.1.weight}, as {@code realesr-general-x4v3}'s).
 */
final class EsrganStateDict {
  private static final Pattern OLD_BODY = Pattern.compile("model\\.1\\.sub\\.(\\d+)\\.RDB(\\d)\\.conv(\\d)\\.0\\.(.+)");
  private static final Pattern OLD_TRUNK_CLOSE = Pattern.compile("model\\.1\\.sub\\.(\\d+)\\.(weight|bias)");
  /** The old layout's top-level convolutions, by their index in its sequence. */
  private static final Map<String, String> OLD_TOP = Map.of("0", "conv_first", "3", "conv_up1", "6", "conv_up2", "8",
      "conv_hr", "10", "conv_last");
  private static final Pattern OLD_TOP_NAME = Pattern.compile("model\\.(\\d+)\\.(weight|bias)");

  /** basicsr name to the file's. */
  private final Map<String, String> names;
  private final TensorSource source;
  /** Whether the network is Real-ESRGAN's compact one rather than an RRDBNet. */
  private final boolean compact;

  private EsrganStateDict(TensorSource source, Map<String, String> names, boolean compact) {
    this.source = source;
    this.names = names;
    this.compact = compact;
  }

  /**
   * The file's names mapped to basicsr's.
   *
   * @throws IllegalArgumentException naming what the file lacks if it is in neither layout
   */
  static EsrganStateDict of(TensorSource source) {
    Optional<String> prefix = List.of("params_ema.", "params.", "").stream()
        .filter(p -> source.contains(p + "conv_first.weight")).findFirst();
    Optional<String> compact = List.of("params_ema.", "params.", "").stream()
        .filter(p -> source.contains(p + "body.0.weight") && source.contains(p + "body.1.weight")
            && source.get(p + "body.1.weight").shape().length == 1).findFirst();
    Map<String, String> names = new HashMap<>();
    if (prefix.isPresent() || compact.isPresent()) {
      String p = prefix.orElseGet(compact::get);
      for (String name : source.names()) {
        if (name.startsWith(p)) {
          names.put(name.substring(p.length()), name);
        }
      }
      return new EsrganStateDict(source, names, prefix.isEmpty());
    }
    if (!source.contains("model.0.weight")) {
      throw new IllegalArgumentException("not an ESRGAN network: it has neither conv_first.weight (basicsr's names,"
          + " as Real-ESRGAN's files) nor model.0.weight (the original ESRGAN's, as 4x-UltraSharp's), nor a compact"
          + " network's body.0.weight and PReLU body.1.weight (realesr-general-x4v3's)");
    }
    List<String> unknown = new ArrayList<>();
    for (String name : source.names()) {
      Matcher body = OLD_BODY.matcher(name);
      Matcher close = OLD_TRUNK_CLOSE.matcher(name);
      Matcher top = OLD_TOP_NAME.matcher(name);
      if (body.matches()) {
        names.put("body." + body.group(1) + ".rdb" + body.group(2) + ".conv" + body.group(3) + "." + body.group(4),
            name);
      } else if (close.matches()) {
        names.put("conv_body." + close.group(2), name);
      } else if (top.matches() && OLD_TOP.containsKey(top.group(1))) {
        names.put(OLD_TOP.get(top.group(1)) + "." + top.group(2), name);
      } else {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("an ESRGAN network of a layout sdj does not read (the original ESRGAN's 4x"
          + " layout has model.0, model.1.sub, model.3, model.6, model.8 and model.10): it also has "
          + String.join(", ", unknown.subList(0, Math.min(4, unknown.size())))
          + (unknown.size() > 4 ? " and " + (unknown.size() - 4) + " more" : ""));
    }
    return new EsrganStateDict(source, names, false);
  }

  /**
   * The network on {@code w} ({@link #weights}), its shape read off the weights.
   *
   * @throws IllegalArgumentException if the shapes fit no network sdj builds
   */
  UpscalingNetwork network(Weights w) {
    if (!compact) {
      return new RRDBNet(config(), w);
    }
    int convs = 0;
    while (names.containsKey("body." + 2 * convs + ".weight")) {
      convs++;
    }
    long features = shape("body.0.weight")[0];
    long out = shape("body." + 2 * (convs - 1) + ".weight")[0];
    int scale = (int) Math.round(Math.sqrt(out / 3.0));
    if (convs < 2 || scale < 1 || 3L * scale * scale != out || shape("body.0.weight")[1] != 3) {
      throw new IllegalArgumentException("a compact network of " + convs + " convolutions ending in " + out
          + " channels: sdj reads 3 channels in and 3 s^2 out");
    }
    return new SRVGGNetCompact(w, Math.toIntExact(features), convs - 2, scale);
  }

  /** An RRDBNet's shape, read off its weights. */
  private EsrganConfig config() {
    long[] first = shape("conv_first.weight");
    long[] last = shape("conv_last.weight");
    long[] grow = shape("body.0.rdb1.conv1.weight");
    int blocks = 0;
    while (names.containsKey("body." + blocks + ".rdb1.conv1.weight")) {
      blocks++;
    }
    return new EsrganConfig(Math.toIntExact(first[1]), Math.toIntExact(last[0]), Math.toIntExact(first[0]),
        Math.toIntExact(grow[0]), blocks);
  }

  /** The tensors under basicsr's names, for {@code backend}. */
  Weights weights(Backend backend) {
    return new Weights(backend, names.keySet(), name -> {
      SafeTensor t = source.get(names.get(name));
      return new WeightData(name, t.dtype(), t.shape(), t.data());
    });
  }

  private long[] shape(String name) {
    String inFile = names.get(name);
    if (inFile == null) {
      throw new IllegalArgumentException("an ESRGAN network needs " + name + ", which this file lacks");
    }
    long[] shape = source.get(inFile).shape();
    if (shape.length != 4) {
      throw new IllegalArgumentException(name + " has shape " + java.util.Arrays.toString(shape)
          + "; a convolution's weight has 4 dimensions");
    }
    return shape;
  }
}
