package org.sdj.io.ckpt;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.TensorSource;

/**
 * A PyTorch checkpoint ({@code .ckpt}, {@code .pt}, {@code .bin}) written by {@code torch.save} since torch 1.6 (a zip
 * archive), read safely: its pickle is interpreted by a restricted unpickler that only accepts an allowlist of globals
 * and never runs code from the file (see {@link UnsafePickleException}), and the file is memory-mapped, so contiguous
 * tensors are views of the file and open in constant heap whatever the file's size.
 *
 * <p>The tensors are those of the state dict: the top-level dict's {@code state_dict} entry when it has one (Stable
 * Diffusion checkpoints, which keep {@code global_step} and the like beside it), or its {@code string_to_param} entry
 * (an AUTOMATIC1111 embedding's vectors, named {@code *}), else the top-level dict itself.
 * Nested dicts of tensors give dotted names ({@code image_proj.proj.weight}); other entries are skipped.
 * Non-contiguous tensors (transposed or strided views) are copied into native memory owned by this file on first
 * {@link #get}, and freed by {@link #close()}.
 *
 * <p>{@link #metadata()} holds the top-level entries beside {@code state_dict} that are strings, ints, floats or
 * bools, as strings (e.g. {@code global_step=470000}).
 */
public final class CkptFile implements TensorSource {
  private static final System.Logger LOG = System.getLogger(CkptFile.class.getName());
  private static final byte[] LEGACY_MAGIC = {
      (byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
      (byte) 0xa8, 0x50, 0x19};
  private static final int TAR_MAGIC_OFFSET = 257;
  private static final String PICKLE = "data.pkl";

  private final Path file;
  private final Arena arena;
  private final Map<String, StridedTensor> layouts;
  private final Map<String, String> metadata;
  private final NavigableSet<String> names;
  private final Map<String, SafeTensor> tensors = new ConcurrentHashMap<>();

  private CkptFile(Path file, Arena arena, Map<String, StridedTensor> layouts, Map<String, String> metadata) {
    this.file = file;
    this.arena = arena;
    this.layouts = layouts;
    this.metadata = metadata;
    this.names = Collections.unmodifiableNavigableSet(new TreeSet<>(layouts.keySet()));
  }

  /**
   * Maps {@code file} and reads its state dict.
   *
   * @throws UnsafePickleException if the pickle names a global outside the allowlist
   * @throws CkptException if the file cannot be read, is not a torch zip checkpoint (legacy pre-1.6 files included),
   *     is corrupt, or a state-dict tensor has an unsupported dtype or lies outside its storage
   */
  public static CkptFile open(Path file) {
    Arena arena = Arena.ofShared();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
      checkFormat(file, mapped);
      ZipDirectory zip = ZipDirectory.read(file, mapped);
      String prefix = archivePrefix(file, zip);
      checkByteOrder(file, zip, prefix);
      Object root = RestrictedUnpickler.load(file, PICKLE, zip.bytes(zip.find(prefix + PICKLE).orElseThrow()));
      if (!(root instanceof Map<?, ?> top)) {
        throw new CkptException(file, "the checkpoint holds a " + Pickled.typeOf(root) + ", not a state dict");
      }
      boolean wrapped = top.get("state_dict") instanceof Map<?, ?>;
      // An AUTOMATIC1111 textual-inversion embedding keeps its vectors as {"*": tensor} under string_to_param.
      Map<?, ?> stateDict = wrapped ? (Map<?, ?>) top.get("state_dict")
          : top.get("string_to_param") instanceof Map<?, ?> embedding ? embedding : top;
      Map<String, StridedTensor> layouts = layouts(file, zip, prefix, stateDict);
      Map<String, String> metadata = wrapped ? scalars(top) : Map.of();
      return new CkptFile(file, arena, layouts, metadata);
    } catch (NoSuchFileException e) {
      arena.close();
      throw new CkptException(file, "file not found", e);
    } catch (IOException e) {
      arena.close();
      throw new CkptException(file, "cannot read: " + e, e);
    } catch (RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  /** Refuses what is not a zip archive, naming torch's legacy formats, which need re-saving. */
  private static void checkFormat(Path file, MemorySegment mapped) {
    if (startsWith(mapped, 0, new byte[] {'P', 'K'})) {
      return;
    }
    if (startsWith(mapped, 0, LEGACY_MAGIC)
        || startsWith(mapped, TAR_MAGIC_OFFSET, "ustar".getBytes(StandardCharsets.US_ASCII))) {
      throw new CkptException(file, "this checkpoint uses torch's legacy (pre-1.6) format, which sdj does not read: "
          + "re-save it with a current torch, e.g. torch.save(torch.load(old, weights_only=True), new), or convert it "
          + "to safetensors in Python");
    }
    throw new CkptException(file, "not a PyTorch checkpoint (a zip archive written by torch.save)");
  }

  private static boolean startsWith(MemorySegment mapped, long at, byte[] prefix) {
    if (mapped.byteSize() < at + prefix.length) {
      return false;
    }
    return MemorySegment.mismatch(mapped, at, at + prefix.length, MemorySegment.ofArray(prefix), 0,
        prefix.length) == -1;
  }

  /** The archive's folder, with its slash: torch puts every record in one, named after the file it first saved. */
  private static String archivePrefix(Path file, ZipDirectory zip) {
    List<String> pickles = zip.records().keySet().stream()
        .filter(name -> name.endsWith("/" + PICKLE) && name.indexOf('/') == name.length() - PICKLE.length() - 1)
        .sorted()
        .toList();
    if (pickles.size() != 1) {
      throw new CkptException(file, pickles.isEmpty()
          ? "the archive has no <folder>/data.pkl record: it was not written by torch.save"
          : "the archive has " + pickles.size() + " data.pkl records: " + pickles);
    }
    String pickle = pickles.getFirst();
    return pickle.substring(0, pickle.length() - PICKLE.length());
  }

  private static void checkByteOrder(Path file, ZipDirectory zip, String prefix) {
    zip.find(prefix + "byteorder").ifPresent(record -> {
      String order = new String(zip.bytes(record).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
      if (!order.equals("little")) {
        throw new CkptException(file, "the checkpoint's byte order is '" + order + "'; sdj reads little-endian "
            + "checkpoints only");
      }
    });
  }

  private static Map<String, StridedTensor> layouts(Path file, ZipDirectory zip, String prefix, Map<?, ?> stateDict) {
    Map<String, StridedTensor> layouts = new TreeMap<>();
    List<Object> skipped = new ArrayList<>();
    collect(file, zip, prefix, "", stateDict, layouts, skipped);
    if (!skipped.isEmpty()) {
      Object firstSkipped = skipped.getFirst();
      String first = firstSkipped instanceof String s ? "'" + s + "'" : "a " + Pickled.typeOf(firstSkipped) + " key";
      LOG.log(System.Logger.Level.DEBUG, "{0}: skipped {1} state-dict entries that are not tensors (first: {2})",
          file, skipped.size(), first);
    }
    return layouts;
  }

  /**
   * The tensors of {@code dict} under {@code path}; those of nested dicts named with dots, as safetensors files name
   * them (an IP-Adapter's {@code .bin} holds {@code {"image_proj": {...}, "ip_adapter": {...}}}).
   */
  private static void collect(Path file, ZipDirectory zip, String prefix, String path, Map<?, ?> dict,
      Map<String, StridedTensor> layouts, List<Object> skipped) {
    for (Map.Entry<?, ?> entry : dict.entrySet()) {
      if (entry.getKey() instanceof String key && entry.getValue() instanceof Pickled.Tensor tensor) {
        String name = path + key;
        String recordName = prefix + "data/" + tensor.storage().key();
        ZipDirectory.Record record = zip.find(recordName).orElseThrow(() -> new CkptException(file, "tensor '"
            + name + "' refers to storage '" + tensor.storage().key() + "' but the archive has no record "
            + recordName));
        layouts.put(name, StridedTensor.of(file, name, tensor, zip.bytes(record)));
      } else if (entry.getKey() instanceof String key && entry.getValue() instanceof Map<?, ?> nested) {
        collect(file, zip, prefix, path + key + ".", nested, layouts, skipped);
      } else {
        skipped.add(entry.getKey());
      }
    }
  }

  private static Map<String, String> scalars(Map<?, ?> top) {
    Map<String, String> scalars = new TreeMap<>();
    for (Map.Entry<?, ?> entry : top.entrySet()) {
      if (entry.getKey() instanceof String key) {
        switch (entry.getValue()) {
          case String s -> scalars.put(key, s);
          case Long n -> scalars.put(key, n.toString());
          case BigInteger n -> scalars.put(key, n.toString());
          case Double x -> scalars.put(key, x.toString());
          case Boolean b -> scalars.put(key, b ? "True" : "False");
          case null, default -> { }
        }
      }
    }
    return Collections.unmodifiableMap(scalars);
  }

  /** The file this was opened from. */
  public Path file() {
    return file;
  }

  @Override
  public Set<String> names() {
    return names;
  }

  @Override
  public boolean contains(String name) {
    return layouts.containsKey(name);
  }

  /**
   * {@inheritDoc}
   *
   * @throws CkptException naming the tensor and the file when there is no such tensor (a checkpoint cannot throw the
   *     safetensors package's exception)
   */
  @Override
  public SafeTensor get(String name) {
    StridedTensor layout = layouts.get(name);
    if (layout == null) {
      throw new CkptException(file, "no tensor '" + name + "' in the state dict (it has " + layouts.size() + ")");
    }
    return tensors.computeIfAbsent(name, n -> layout.toSafeTensor(file, arena));
  }

  @Override
  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public synchronized void close() {
    if (arena.scope().isAlive()) {
      arena.close();
    }
  }

  @Override
  public String toString() {
    return "CkptFile[" + file + ", " + layouts.size() + " tensors]";
  }
}
