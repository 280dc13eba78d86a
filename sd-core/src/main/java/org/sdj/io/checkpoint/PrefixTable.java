package org.sdj.io.checkpoint;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link KeyMap} by block: each diffusers block prefix ({@code down_blocks.0.resnets.1.}) stands for one block of
 * the checkpoint ({@code model.diffusion_model.input_blocks.2.0.}), whose leaves keep their names or are renamed
 * ({@code norm1} to {@code in_layers.0}). The longest matching prefix wins.
 */
final class PrefixTable implements KeyMap {
  private record Block(String original, Map<String, String> leafRenames, Set<String> convLeaves) {}

  private final String checkpointPrefix;
  private final Map<String, Block> blocks = new HashMap<>();

  /** @param checkpointPrefix the component's prefix in the checkpoint, e.g. {@code model.diffusion_model.} */
  PrefixTable(String checkpointPrefix) {
    this.checkpointPrefix = checkpointPrefix;
  }

  /** A block whose leaves keep their names. */
  PrefixTable block(String diffusersPrefix, String originalPrefix) {
    return block(diffusersPrefix, originalPrefix, Map.of(), Set.of());
  }

  /**
   * A block whose leaves are renamed.
   *
   * @param leafRenames diffusers leaf module to checkpoint leaf module, e.g. {@code to_out.0} to {@code proj_out}
   * @param convLeaves diffusers leaves (e.g. {@code to_q.weight}) stored in the checkpoint as 1x1 convolutions
   */
  PrefixTable block(String diffusersPrefix, String originalPrefix, Map<String, String> leafRenames,
      Set<String> convLeaves) {
    blocks.put(diffusersPrefix, new Block(originalPrefix, leafRenames, convLeaves));
    return this;
  }

  @Override
  public Optional<SourceKey> locate(String diffusersName) {
    for (int dot = diffusersName.lastIndexOf('.'); dot > 0; dot = diffusersName.lastIndexOf('.', dot - 1)) {
      Block block = blocks.get(diffusersName.substring(0, dot + 1));
      if (block != null) {
        String leaf = diffusersName.substring(dot + 1);
        String name = checkpointPrefix + block.original() + renamed(leaf, block.leafRenames());
        return Optional.of(block.convLeaves().contains(leaf) ? SourceKey.convAsLinear(name) : SourceKey.same(name));
      }
    }
    return Optional.empty();
  }

  private static String renamed(String leaf, Map<String, String> renames) {
    for (Map.Entry<String, String> r : renames.entrySet()) {
      if (leaf.startsWith(r.getKey() + ".")) {
        return r.getValue() + leaf.substring(r.getKey().length());
      }
    }
    return leaf;
  }
}
