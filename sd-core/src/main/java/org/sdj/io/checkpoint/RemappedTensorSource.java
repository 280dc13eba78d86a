package org.sdj.io.checkpoint;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafetensorsException;
import org.sdj.io.safetensors.TensorSource;

/**
 * One component's weights of a single-file checkpoint under their diffusers names: each name is a zero-copy
 * {@linkplain SourceKey view} of a checkpoint tensor, so the bytes stay in the mapped file. Closing the view does
 * nothing: the checkpoint, which several views share, owns the file.
 */
final class RemappedTensorSource implements TensorSource {
  private final TensorSource checkpoint;
  private final Path location;
  private final Map<String, SourceKey> keys;

  /** @param keys diffusers name to checkpoint tensor; every tensor must exist and be viewable as its key says */
  RemappedTensorSource(TensorSource checkpoint, Path location, Map<String, SourceKey> keys) {
    this.checkpoint = checkpoint;
    this.location = location;
    this.keys = Collections.unmodifiableMap(new TreeMap<>(keys));
  }

  @Override
  public Set<String> names() {
    return keys.keySet();
  }

  @Override
  public boolean contains(String name) {
    return keys.containsKey(name);
  }

  @Override
  public SafeTensor get(String name) {
    SourceKey key = keys.get(name);
    if (key == null) {
      throw new SafetensorsException(location, name, "the checkpoint has no tensor that maps to this diffusers name");
    }
    return key.view().apply(checkpoint.get(key.name()), name);
  }

  @Override
  public Map<String, String> metadata() {
    return checkpoint.metadata();
  }

  @Override
  public void close() {
    // The checkpoint closes the file it shares among its views.
  }
}
