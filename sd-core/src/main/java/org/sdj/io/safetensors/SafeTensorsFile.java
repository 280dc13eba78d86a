package org.sdj.io.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A safetensors file, memory-mapped read-only: tensors are views of the mapping, never copied to the heap, so files of
 * any size (tens of GB) open in constant heap. The header is fully validated on {@link #open(Path)}.
 */
public final class SafeTensorsFile implements TensorSource {
  private final Path file;
  private final Arena arena;
  private final Map<String, String> metadata;
  private final Map<String, SafeTensor> tensors;
  private final NavigableSet<String> names;

  private SafeTensorsFile(Path file, Arena arena, Map<String, String> metadata, Map<String, SafeTensor> tensors) {
    this.file = file;
    this.arena = arena;
    this.metadata = metadata;
    this.tensors = tensors;
    this.names = Collections.unmodifiableNavigableSet(new TreeSet<>(tensors.keySet()));
  }

  /**
   * Maps and validates {@code file}.
   *
   * @throws SafetensorsException if the file cannot be read or is not a valid safetensors file
   */
  public static SafeTensorsFile open(Path file) {
    Arena arena = Arena.ofShared();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
      Header header = Header.read(file, mapped);
      Map<String, SafeTensor> tensors = new LinkedHashMap<>();
      for (Header.Entry entry : header.entries().values()) {
        MemorySegment data = mapped.asSlice(header.dataStart() + entry.begin(), entry.end() - entry.begin());
        tensors.put(entry.name(),
            new SafeTensor(file, entry.name(), entry.dtype(), entry.shape(), entry.numel(), data));
      }
      return new SafeTensorsFile(file, arena, header.metadata(), tensors);
    } catch (NoSuchFileException e) {
      arena.close();
      throw new SafetensorsException(file, null, "file not found", e);
    } catch (IOException e) {
      arena.close();
      throw new SafetensorsException(file, null, "cannot read: " + e, e);
    } catch (RuntimeException | Error e) {
      arena.close();
      throw e;
    }
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
    return tensors.containsKey(name);
  }

  @Override
  public SafeTensor get(String name) {
    SafeTensor tensor = tensors.get(name);
    if (tensor == null) {
      throw new SafetensorsException(file, name, "no such tensor in this file (it has " + tensors.size() + ")");
    }
    return tensor;
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
    return "SafeTensorsFile[" + file + ", " + tensors.size() + " tensors]";
  }
}
