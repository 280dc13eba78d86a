package org.sdj.io.safetensors;

import java.util.Map;
import java.util.Set;

/**
 * Named tensors read from one safetensors file or from a sharded set of them.
 *
 * <p>Tensors borrow memory mapped by the source: don't use them (or their {@link SafeTensor#data()}) after {@link
 * #close()}. A source may be read from several threads at once.
 */
public interface TensorSource extends AutoCloseable {

  /** All tensor names, sorted; unmodifiable. */
  Set<String> names();

  /** Whether a tensor of that name exists. */
  boolean contains(String name);

  /**
   * The tensor of that name.
   *
   * @throws org.sdj.SdjException naming the tensor and the file when there is no such tensor (a {@link
   *     SafetensorsException} for safetensors files, a {@code CkptException} for {@code .ckpt} files)
   */
  SafeTensor get(String name);

  /** Free-form string metadata ({@code __metadata__} of a file; {@code metadata} of a shard index); unmodifiable. */
  Map<String, String> metadata();

  /** Unmaps the file(s). Idempotent. Tensors obtained from this source are unusable afterwards. */
  @Override
  void close();
}
