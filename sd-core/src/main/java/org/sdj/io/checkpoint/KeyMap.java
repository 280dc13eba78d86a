package org.sdj.io.checkpoint;

import java.util.Optional;

/** Finds, for each diffusers weight name of one component, the tensor of a single-file checkpoint that holds it. */
interface KeyMap {
  /** Where {@code diffusersName} lies in the checkpoint; empty when the single-file layout has no such weight. */
  Optional<SourceKey> locate(String diffusersName);
}
