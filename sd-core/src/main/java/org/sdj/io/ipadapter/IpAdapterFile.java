package org.sdj.io.ipadapter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sdj.SdjException;
import org.sdj.io.ckpt.TensorFiles;
import org.sdj.io.model.ModelSource;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.TensorSource;

/**
 * An IP-Adapter's weights as h94/IP-Adapter publishes them ({@code ip-adapter_sd15.bin} or {@code .safetensors}):
 * {@code image_proj.*}, the projection of the image encoder's output into image tokens, and
 * {@code ip_adapter.N.to_k_ip.weight} / {@code to_v_ip.weight}, the key and value projections of those tokens for
 * each cross-attention block of the UNet, numbered as the UNet's attention processors are (diffusers'
 * {@code attn_processors}: the down blocks, then the up blocks, then the mid block; self-attention even,
 * cross-attention odd, so 1, 3, 5, ...).
 *
 * <p>The file stays open (its tensors mapped) until {@link #close()}: the UNet's weights read the projections through
 * {@link #intoUNet}.
 */
public final class IpAdapterFile implements AutoCloseable {
  private static final String IMAGE_PROJ = "image_proj.";
  private static final String LAYERS = "ip_adapter.";
  private static final String CROSS_KEY = ".attn2.to_k.weight";
  private static final Pattern NUMBER = Pattern.compile("\\d+");
  private static final Pattern PLUS_LAYER = Pattern.compile("layers\\.(\\d+)\\.(\\d\\.\\w+)\\.(weight|bias)");

  /** The kinds of {@code image_proj} sdj reads. */
  public enum Kind {
    /** {@code ImageProjection}: a linear and a layer norm on {@code image_embeds} (ip-adapter_sd15, _sdxl). */
    PLAIN,
    /** {@code IPAdapterPlusImageProjection}: a resampler on {@code hidden_states[-2]} (ip-adapter-plus_*). */
    PLUS,
    /** {@code IPAdapterFullImageProjection}: a feed-forward on {@code hidden_states[-2]} (ip-adapter-full-face_*). */
    FULL
  }

  private final Path file;
  private final TensorSource tensors;
  private final Kind kind;
  private final int layers;

  private IpAdapterFile(Path file, TensorSource tensors, Kind kind, int layers) {
    this.file = file;
    this.tensors = tensors;
    this.kind = kind;
    this.layers = layers;
  }

  /**
   * Opens and checks an IP-Adapter file ({@code .safetensors}, or {@code .bin} / {@code .pt} written by
   * {@code torch.save}, read without running code from it).
   *
   * @throws SdjException if it is not an IP-Adapter file sdj can read, saying why
   */
  public static IpAdapterFile open(Path file) {
    TensorSource tensors = TensorFiles.open(file);
    try {
      Kind kind = kindOf(file, tensors.names());
      int layers = 0;
      while (tensors.contains(layerName(layers, "to_k_ip")) && tensors.contains(layerName(layers, "to_v_ip"))) {
        layers++;
      }
      if (layers == 0) {
        throw new SdjException("IP-Adapter " + file + " has no ip_adapter.1.to_k_ip.weight / to_v_ip.weight: not an"
            + " IP-Adapter's attention layers");
      }
      return new IpAdapterFile(file, tensors, kind, layers);
    } catch (RuntimeException e) {
      tensors.close();
      throw e;
    }
  }

  private static Kind kindOf(Path file, Set<String> names) {
    if (names.contains(IMAGE_PROJ + "proj.weight") && names.contains(IMAGE_PROJ + "norm.weight")) {
      return Kind.PLAIN;
    }
    if (names.contains(IMAGE_PROJ + "latents") && names.contains(IMAGE_PROJ + "proj_in.weight")) {
      return Kind.PLUS;
    }
    if (names.contains(IMAGE_PROJ + "proj.0.weight") && names.contains(IMAGE_PROJ + "proj.3.weight")) {
      return Kind.FULL;
    }
    if (names.stream().noneMatch(n -> n.startsWith(IMAGE_PROJ))) {
      throw new SdjException("IP-Adapter " + file + " has no image_proj.* tensors: not an IP-Adapter file (it holds "
          + names.stream().limit(3).toList() + (names.size() > 3 ? ", ..." : "") + ")");
    }
    throw new SdjException("IP-Adapter " + file + " has an image projection sdj does not know (e.g. FaceID's); "
        + "supported: ip-adapter_*, ip-adapter-plus_*, ip-adapter-full-face_*");
  }

  /** The name of layer {@code i}'s projection: layers are the odd-numbered attention processors. */
  private static String layerName(int i, String projection) {
    return LAYERS + (2 * i + 1) + "." + projection + ".weight";
  }

  public Path file() {
    return file;
  }

  /** The file's name without its extension, as A1111 names models. */
  public String name() {
    return ModelSource.nameOf(file);
  }

  public Kind kind() {
    return kind;
  }

  /** How many cross-attention blocks it has projections for. */
  public int layers() {
    return layers;
  }

  /**
   * The image projection's weights under diffusers' names: the plain kind's {@code proj} is its {@code image_embeds};
   * the resampler's original layers ({@code layers.N.0} attention with {@code norm1}, {@code norm2} and one
   * {@code to_kv}, {@code layers.N.1} feed-forward) are {@code layers.N.ln0}, {@code ln1}, {@code attn.to_k} and
   * {@code to_v} (halves of {@code to_kv}, viewed in place), {@code ff.0}, {@code ff.1.net.0.proj} and
   * {@code ff.1.net.2}, as diffusers converts them; the full-face kind's {@code proj.0}, {@code proj.2} and
   * {@code proj.3} are {@code ff.net.0.proj}, {@code ff.net.2} and {@code norm}.
   */
  public TensorSource imageProjection() {
    Map<String, Origin> names = new TreeMap<>();
    for (String name : tensors.names()) {
      if (name.startsWith(IMAGE_PROJ)) {
        String local = name.substring(IMAGE_PROJ.length());
        if (kind == Kind.PLAIN) {
          names.put(local.startsWith("proj.") ? "image_embeds." + local.substring("proj.".length()) : local,
              new Origin(name, -1));
        } else if (kind == Kind.FULL) {
          names.put(local.replace("proj.0.", "ff.net.0.proj.").replace("proj.2.", "ff.net.2.")
              .replace("proj.3.", "norm."), new Origin(name, -1));
        } else if (local.endsWith(".0.to_kv.weight")) {
          String layer = local.substring(0, local.length() - ".0.to_kv.weight".length());
          names.put(layer + ".attn.to_k.weight", new Origin(name, 0));
          names.put(layer + ".attn.to_v.weight", new Origin(name, 1));
        } else {
          names.put(plusName(local), new Origin(name, -1));
        }
      }
    }
    return new Renamed(Optional.empty(), names);
  }

  /** diffusers' name of a tensor of the resampler in the original layout (names already diffusers' stay). */
  private static String plusName(String local) {
    Matcher m = PLUS_LAYER.matcher(local);
    if (!m.matches()) {
      return local;
    }
    String part = switch (m.group(2)) {
      case "0.norm1" -> "ln0";
      case "0.norm2" -> "ln1";
      case "0.to_q" -> "attn.to_q";
      case "0.to_out" -> "attn.to_out.0";
      case "1.0" -> "ff.0";
      case "1.1" -> "ff.1.net.0.proj";
      case "1.3" -> "ff.1.net.2";
      default -> m.group(2);
    };
    return "layers." + m.group(1) + "." + part + "." + m.group(3);
  }

  /**
   * The UNet's weights with this adapter's projections added where diffusers' {@code load_ip_adapter} puts them:
   * {@code <block>.attn2.processor.to_k_ip.<index>.weight} (and {@code to_v_ip}) for every cross-attention block.
   *
   * @param unet the UNet's weights under diffusers' names
   * @param index the adapter's index among those loaded (0 for the first)
   * @throws SdjException if the adapter was made for another UNet (another count or width of cross-attention)
   */
  public TensorSource intoUNet(TensorSource unet, int index) {
    List<String> blocks = crossAttentionBlocks(unet.names());
    if (blocks.size() != layers) {
      throw new SdjException("IP-Adapter " + file + " has projections for " + layers + " cross-attention blocks, but"
          + " the UNet has " + blocks.size() + ": it was made for another model");
    }
    Map<String, Origin> added = new TreeMap<>();
    for (int i = 0; i < layers; i++) {
      String block = blocks.get(i);
      long[] own = unet.get(block + ".to_k.weight").shape();
      for (String projection : List.of("to_k_ip", "to_v_ip")) {
        long[] shape = tensors.get(layerName(i, projection)).shape();
        if (!Arrays.equals(shape, own)) {
          throw new SdjException("IP-Adapter " + file + "'s " + layerName(i, projection) + " is "
              + Arrays.toString(shape) + ", but the UNet's " + block + ".to_k.weight is " + Arrays.toString(own)
              + ": it was made for another model");
        }
        added.put(block + ".processor." + projection + "." + index + ".weight",
            new Origin(layerName(i, projection), -1));
      }
    }
    return new Renamed(Optional.of(unet), added);
  }

  /** The UNet's cross-attention blocks in the order of diffusers' {@code attn_processors}. */
  static List<String> crossAttentionBlocks(Set<String> unetNames) {
    List<String> blocks = new ArrayList<>();
    for (String name : unetNames) {
      if (name.endsWith(CROSS_KEY)) {
        blocks.add(name.substring(0, name.length() - CROSS_KEY.length() + ".attn2".length()));
      }
    }
    blocks.sort(Comparator.comparingInt(IpAdapterFile::group).thenComparing(IpAdapterFile::numbers,
        Arrays::compare));
    return blocks;
  }

  /** The UNet registers its down blocks, then its up blocks, then its mid block. */
  private static int group(String block) {
    return block.startsWith("down_blocks.") ? 0 : block.startsWith("up_blocks.") ? 1 : 2;
  }

  private static int[] numbers(String block) {
    Matcher m = NUMBER.matcher(block);
    List<Integer> all = new ArrayList<>();
    while (m.find()) {
      all.add(Integer.parseInt(m.group()));
    }
    return all.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public void close() {
    tensors.close();
  }

  /** Where a renamed tensor lies in the file: a tensor, or its first (0) or second (1) half of rows. */
  private record Origin(String name, int half) {}

  /**
   * Tensors of the adapter under new names, after {@code base}'s where there is one. Closing it closes nothing: the
   * UNet's source and the adapter's file have their owners.
   */
  private final class Renamed implements TensorSource {
    private final Optional<TensorSource> base;
    private final Map<String, Origin> fromAdapter;
    private final Set<String> names;

    Renamed(Optional<TensorSource> base, Map<String, Origin> fromAdapter) {
      this.base = base;
      this.fromAdapter = Map.copyOf(fromAdapter);
      TreeSet<String> all = new TreeSet<>(fromAdapter.keySet());
      base.ifPresent(b -> all.addAll(b.names()));
      this.names = Collections.unmodifiableSet(all);
    }

    @Override
    public Set<String> names() {
      return names;
    }

    @Override
    public boolean contains(String name) {
      return names.contains(name);
    }

    @Override
    public SafeTensor get(String name) {
      Origin own = fromAdapter.get(name);
      if (own != null) {
        SafeTensor t = tensors.get(own.name());
        if (own.half() < 0) {
          return t;
        }
        long[] shape = t.shape();
        shape[0] /= 2;
        return t.view(name, shape, own.half() * t.numel() / 2);
      }
      return base.orElseThrow(() -> new SdjException("IP-Adapter " + file + " has no tensor " + name)).get(name);
    }

    @Override
    public Map<String, String> metadata() {
      return base.map(TensorSource::metadata).orElseGet(tensors::metadata);
    }

    @Override
    public void close() {
      // Nothing of its own.
    }
  }
}
