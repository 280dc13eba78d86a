package org.sdj.cuda;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Kernels of an attention tuning run (src/test/tune's image, built by build-tune.sh) that stand in for the table's
 * ({@link WgmmaKernel#TABLE}) at their padded head sizes, so that a run on a GPU can judge what adopting them would do
 * (the FlashAttention rule, the attention benchmark, the UNet step) before they join the table, without a rebuild.
 * System property {@value #PROPERTY} names a directory that holds their images ({@code *.cubin}) and {@value #LIST},
 * the kernels' names one per line; scripts/gpu-check.sh makes it from a sweep's fastest kernels. Unset, there are
 * none. A diagnostic, as the other {@code sdj.cuda} properties of the kernels are; not for production.
 */
final class TunedKernels {
  private TunedKernels() {}

  /** System property: the directory of tuned attention kernels to run in place of the table's. */
  static final String PROPERTY = "sdj.cuda.wgmmaTuned";
  /** The file of the directory that names its kernels. */
  static final String LIST = "tuned.list";
  /** The prefix of the images' names, which keeps them apart from the jar's. */
  static final String PREFIX = "tuned/";

  /** The directory {@code properties} name, where they name one. */
  static Optional<Path> directory(Properties properties) {
    String dir = properties.getProperty(PROPERTY, "").strip();
    return dir.isEmpty() ? Optional.empty() : Optional.of(Path.of(dir));
  }

  /**
   * The images of the directory {@code properties} name, by {@value #PREFIX} and file name; none where they name
   * none.
   *
   * @throws CudaException where the directory holds no image or one cannot be read
   */
  static Map<String, byte[]> images(Properties properties) {
    Map<String, byte[]> images = new TreeMap<>();
    Optional<Path> dir = directory(properties);
    if (dir.isEmpty()) {
      return images;
    }
    try {
      cubins(dir.get()).forEach((name, bytes) -> images.put(PREFIX + name, bytes));
    } catch (IOException e) {
      throw new CudaException(PROPERTY + "=" + dir.get() + ": cannot read its kernel images (" + e + ")");
    }
    if (images.isEmpty()) {
      throw new CudaException(PROPERTY + "=" + dir.get() + " holds no kernel image (*.cubin)");
    }
    return images;
  }

  /** The kernel images ({@code *.cubin}) of directory {@code dir} by file name, in name order: a tuning image's. */
  static Map<String, byte[]> cubins(Path dir) throws IOException {
    Map<String, byte[]> images = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.cubin")) {
      for (Path p : files) {
        images.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    return images;
  }

  /**
   * The kernels that the directory {@code properties} name lists in {@value #LIST}, those of the storage type of
   * {@code suffix} ({@code _f16}, {@code _bf16}); none where they name none.
   *
   * @throws CudaException where the list cannot be read, names something not a tuning kernel, or names two for one
   *     padded head size
   */
  static List<WgmmaKernel> kernels(Properties properties, String suffix) {
    Optional<Path> dir = directory(properties);
    if (dir.isEmpty()) {
      return List.of();
    }
    Path list = dir.get().resolve(LIST);
    List<String> names;
    try {
      names = Files.readAllLines(list).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    } catch (IOException e) {
      throw new CudaException(PROPERTY + ": cannot read " + list + " (" + e + ")");
    }
    List<WgmmaKernel> kernels = new ArrayList<>();
    for (String name : names) {
      WgmmaKernel.Row row;
      try {
        row = WgmmaKernel.Row.ofTuning(name);
      } catch (IllegalArgumentException e) {
        throw new CudaException(PROPERTY + ": " + list + ": " + e.getMessage());
      }
      if (!row.suffix().equals(suffix)) {
        continue;
      }
      if (kernels.stream().anyMatch(k -> k.dp() == row.dp())) {
        throw new CudaException(PROPERTY + ": " + list + " names two kernels for padded head size " + row.dp());
      }
      kernels.add(row.kernel(name));
    }
    return List.copyOf(kernels);
  }
}
