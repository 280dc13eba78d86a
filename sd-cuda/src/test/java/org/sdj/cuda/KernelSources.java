package org.sdj.cuda;

import java.nio.file.Files;
import java.nio.file.Path;

/** sd-cuda's kernel sources, found from the module's directory (Maven) or the repository's root (the GPU check). */
final class KernelSources {
  private KernelSources() {}

  static Path path(String file) {
    for (String dir : new String[] {"src/main/cuda", "sd-cuda/src/main/cuda"}) {
      Path p = Path.of(dir, file);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new AssertionError(file + " not found under src/main/cuda or sd-cuda/src/main/cuda of " + Path.of("")
        .toAbsolutePath());
  }
}
