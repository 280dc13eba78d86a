package org.sdj.io;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * The tiny T2I-Adapters of {@code src/test/resources/t2i-adapter} (made by its
 * {@code make_t2i_adapter_reference.py.txt}) and what diffusers makes with them, copied out of the classpath: {@code tiny-adapter} (full_adapter, for tiny-sd1), {@code tiny-light-adapter}
 * (light_adapter) and {@code tiny-adapter-xl} (full_adapter_xl, for the tiny SDXL).
 */
public final class T2IAdapterFixture {
  private T2IAdapterFixture() {}

  /** The adapter folder {@code name}, copied into {@code dir}. */
  public static Path folder(String name, Path dir) {
    Path target = dir.resolve(name);
    return Files.isDirectory(target) ? target : TestFixtures.copyResource("/t2i-adapter/" + name, target);
  }

  /** The ramp control image at {@code size x size}: R = 255 x / size, G = 255 y / size, B = 128. */
  public static BufferedImage ramp(int size) {
    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        image.setRGB(x, y, (x * 255 / size) << 16 | (y * 255 / size) << 8 | 128);
      }
    }
    return image;
  }

  /** The reference tensor {@code name} of {@code expected.safetensors} (copied into {@code dir}), flattened. */
  public static float[] expected(String name, Path dir) {
    Path target = dir.resolve("t2i-adapter-expected.safetensors");
    if (!Files.exists(target)) {
      TestFixtures.copyResource("/t2i-adapter/expected.safetensors", target);
    }
    try (SafeTensorsFile file = SafeTensorsFile.open(target)) {
      return file.get(name).toFloatArray();
    }
  }
}
