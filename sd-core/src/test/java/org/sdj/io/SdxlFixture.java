package org.sdj.io;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * The tiny SDXL pipeline of {@code src/test/resources/sdxl} (made by its {@code make_tiny_sdxl.py.txt}) as a folder on
 * disk, for the tests of any module: copied out of the classpath, which in another module is sd-core's test jar.
 */
public final class SdxlFixture {
  private SdxlFixture() {}

  /** The model folder {@code tiny-sdxl}, copied into {@code dir}. */
  public static Path model(Path dir) {
    return copy("/sdxl/tiny-sdxl", dir.resolve("tiny-sdxl"));
  }

  /**
   * The tiny SDXL refiner (made by {@code make_tiny_sdxl_refiner.py.txt}) as a folder {@code tiny-sdxl-refiner} in
   * {@code dir}: its own model index and UNet, and the parts it shares with the base model (text_encoder_2,
   * tokenizer_2, vae, scheduler) copied from {@code tiny-sdxl}, as the published refiner shares them.
   */
  public static Path refiner(Path dir) {
    Path refiner = copy("/sdxl/tiny-sdxl-refiner", dir.resolve("tiny-sdxl-refiner"));
    for (String part : List.of("text_encoder_2", "tokenizer_2", "vae", "scheduler")) {
      copy("/sdxl/tiny-sdxl/" + part, refiner.resolve(part));
    }
    return refiner;
  }

  /**
   * The same model as one checkpoint in the original single-file layout, {@code tiny-sdxl.safetensors} written into
   * {@code dir} from the folder as {@code tiny-sdxl-single-file.json} says (made, and checked with diffusers'
   * {@code from_single_file}, by {@code make_tiny_sdxl_single_file.py.txt}): each tensor from its component's weights as
   * they are, q, k and v concatenated, transposed, or as a 1x1 convolution.
   */
  public static Path singleFile(Path dir) {
    return singleFile(model(dir.resolve("source")), "tiny-sdxl", dir);
  }

  /**
   * The tiny refiner ({@link #refiner}) as one checkpoint in the original single-file layout, its text encoder under
   * {@code conditioner.embedders.0.model.}: {@code tiny-sdxl-refiner.safetensors} written into {@code dir} as
   * {@code tiny-sdxl-refiner-single-file.json} says (made and checked as the base model's).
   */
  public static Path refinerSingleFile(Path dir) {
    return singleFile(refiner(dir.resolve("source")), "tiny-sdxl-refiner", dir);
  }

  /** {@code dir/NAME.safetensors} from the folder's weights, laid out as {@code NAME-single-file.json} says. */
  private static Path singleFile(Path folder, String name, Path dir) {
    return SingleFileLayout.write(folder, "/sdxl/" + name + "-single-file.json", dir.resolve(name + ".safetensors"));
  }

  /**
   * diffusers' final latents of the cases of one generator, copied into {@code dir}: {@code file} is e.g.
   * {@code expected.safetensors} ({@code make_tiny_sdxl.py.txt}) or {@code conditioning-expected.safetensors}.
   */
  public static Path expected(Path dir, String file) {
    return copy("/sdxl/" + file, dir.resolve(file));
  }

  /** 128x128: red along x, green along y, blue 128, as the generators draw it. */
  public static BufferedImage ramp() {
    BufferedImage ramp = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 128; y++) {
      for (int x = 0; x < 128; x++) {
        ramp.setRGB(x, y, (x * 255 / 128) << 16 | (y * 255 / 128) << 8 | 128);
      }
    }
    return ramp;
  }

  private static Path copy(String resource, Path target) {
    return TestFixtures.copyResource(resource, target);
  }


}
