package org.sdj.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.sdj.io.StrictJson;

/**
 * A model saved in several safetensors shards, read as one source through its {@code *.safetensors.index.json}, whose
 * {@code weight_map} names the shard (a file beside the index) of every tensor. Every shard is opened and validated up
 * front, and every tensor the index names must be in its shard.
 */
public final class ShardedSafeTensors implements TensorSource {
  private final Path indexFile;
  private final Map<String, String> metadata;
  private final Map<String, SafeTensorsFile> shardOfTensor;
  private final Map<String, SafeTensorsFile> shards;
  private final NavigableSet<String> names;

  private ShardedSafeTensors(
      Path indexFile, Map<String, String> metadata, Map<String, SafeTensorsFile> shardOfTensor,
      Map<String, SafeTensorsFile> shards) {
    this.indexFile = indexFile;
    this.metadata = metadata;
    this.shardOfTensor = shardOfTensor;
    this.shards = shards;
    this.names = Collections.unmodifiableNavigableSet(new TreeSet<>(shardOfTensor.keySet()));
  }

  /**
   * Opens the index and all the shards it names.
   *
   * @throws SafetensorsException if the index is unreadable or malformed, a shard is missing or invalid, or a tensor is
   *     not in the shard the index names
   */
  public static ShardedSafeTensors open(Path indexJson) {
    JsonNode root = readIndex(indexJson);
    Map<String, String> metadata = readMetadata(indexJson, root.get("metadata"));
    JsonNode weightMap = root.get("weight_map");
    if (weightMap == null || !weightMap.isObject()) {
      throw new SafetensorsException(indexJson, null, "weight_map is missing or not a JSON object");
    }
    Path folder = indexJson.toAbsolutePath().getParent();
    Map<String, SafeTensorsFile> shards = new TreeMap<>();
    try {
      Map<String, SafeTensorsFile> shardOfTensor = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> entry : weightMap.properties()) {
        String tensor = entry.getKey();
        String shardName = shardFileName(indexJson, tensor, entry.getValue(), folder);
        SafeTensorsFile shard = shards.computeIfAbsent(shardName, n -> SafeTensorsFile.open(folder.resolve(n)));
        if (!shard.contains(tensor)) {
          throw new SafetensorsException(indexJson, tensor, "the index puts it in " + shardName + ", which lacks it");
        }
        shardOfTensor.put(tensor, shard);
      }
      return new ShardedSafeTensors(indexJson, metadata, shardOfTensor, shards);
    } catch (RuntimeException | Error e) {
      shards.values().forEach(SafeTensorsFile::close);
      throw e;
    }
  }

  private static JsonNode readIndex(Path indexJson) {
    try {
      return StrictJson.readObject(indexJson);
    } catch (IOException e) {
      throw new SafetensorsException(indexJson, null, "index " + StrictJson.describe(e), e);
    }
  }

  /** The index's {@code metadata} (e.g. {@code total_size}), values as text; empty if absent. */
  private static Map<String, String> readMetadata(Path indexJson, JsonNode node) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw new SafetensorsException(indexJson, null, "metadata must be a JSON object");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    node.properties().forEach(e -> metadata.put(e.getKey(), e.getValue().isTextual()
        ? e.getValue().textValue() : e.getValue().toString()));
    return Collections.unmodifiableMap(metadata);
  }

  /** The shard's file name, which must lie in the index's own folder. */
  private static String shardFileName(Path indexJson, String tensor, JsonNode node, Path folder) {
    if (!node.isTextual()) {
      throw new SafetensorsException(indexJson, tensor, "weight_map value must be a file name, not " + node);
    }
    String name = node.textValue();
    Path resolved = folder.resolve(name).normalize();
    if (name.isEmpty() || !folder.equals(resolved.getParent())) {
      throw new SafetensorsException(
          indexJson, tensor, "shard '" + name + "' must be a file name in the index's folder");
    }
    return name;
  }

  /** The index file this was opened from. */
  public Path indexFile() {
    return indexFile;
  }

  /** The shard files, sorted by name. */
  public Set<Path> shardFiles() {
    Set<Path> files = new TreeSet<>();
    shards.values().forEach(s -> files.add(s.file()));
    return Collections.unmodifiableSet(files);
  }

  @Override
  public Set<String> names() {
    return names;
  }

  @Override
  public boolean contains(String name) {
    return shardOfTensor.containsKey(name);
  }

  @Override
  public SafeTensor get(String name) {
    SafeTensorsFile shard = shardOfTensor.get(name);
    if (shard == null) {
      throw new SafetensorsException(indexFile, name, "no such tensor in the weight_map of this index");
    }
    return shard.get(name);
  }

  @Override
  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public void close() {
    shards.values().forEach(SafeTensorsFile::close);
  }

  @Override
  public String toString() {
    return "ShardedSafeTensors[" + indexFile + ", " + shards.size() + " shards, " + names.size() + " tensors]";
  }
}
