package org.sdj.cuda;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;

/**
 * {@link CudaModelConformanceTest} on {@link HostDevice}: the fixture models (text encoder, UNet, VAE decoder and
 * encoder) through {@link CudaBackend} and {@link CudaOps} without a GPU, sdj's kernels on the CPU emulator, at the
 * GPU test's tolerances. Skips where the emulator cannot be built. The txt2img cases (five UNet steps and a decode,
 * about 100 s each on the emulator) run only with {@code -Dsdj.emu.txt2img=true}.
 */
class EmulatedModelConformanceTest extends CudaModelConformanceTest {
  static final String TXT2IMG_PROPERTY = "sdj.emu.txt2img";

  @TempDir
  Path subset;

  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }

  @Override
  protected Path fixturesRoot() throws IOException {
    return emulatedFixtures(super.fixturesRoot(), subset);
  }

  /** The fixtures the emulated suites run: all of them with {@link #TXT2IMG_PROPERTY}, else all but txt2img. */
  static Path emulatedFixtures(Path root, Path subset) throws IOException {
    return Boolean.getBoolean(TXT2IMG_PROPERTY) ? root : FixtureSubset.without(root, Set.of("txt2img"), subset);
  }
}
