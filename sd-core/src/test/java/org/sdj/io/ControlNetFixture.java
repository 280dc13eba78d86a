package org.sdj.io;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * The tiny ControlNet of {@code src/test/resources/controlnet} (made by its {@code make_tiny_controlnet.py.txt}) as a
 * diffusers ControlNet folder, for the tests of any module: as diffusers' {@code ControlNetModel.from_unet} makes it,
 * the shared tiny-sd1 UNet's encoder weights beside the ControlNet's own.
 */
public final class ControlNetFixture {
  private static final List<String> FROM_UNET = List.of("conv_in.", "time_embedding.", "add_embedding.",
      "down_blocks.", "mid_block.");

  private ControlNetFixture() {}

  /** The folder {@code tiny-controlnet} in {@code dir}: config.json and diffusion_pytorch_model.safetensors. */
  public static Path folder(Path dir) {
    return folder(dir.resolve("tiny-controlnet"), "", TestFixtures.path("tiny-sd1/unet/diffusion_pytorch_model"
        + ".safetensors"));
  }

  /**
   * The tiny SDXL ControlNet ({@code make_tiny_sdxl_controlnet.py.txt}), made from the tiny SDXL's UNet, as the folder
   * {@code tiny-sdxl-controlnet} in {@code dir}.
   */
  public static Path sdxlFolder(Path dir) {
    Path model = SdxlFixture.model(dir.resolve("sdxl-source"));
    return folder(dir.resolve("tiny-sdxl-controlnet"), "sdxl-", model.resolve("unet/diffusion_pytorch_model"
        + ".safetensors"));
  }

  /** {@code folder} from the resources {@code PREFIXconfig.json} and {@code PREFIXown.safetensors} and a UNet's. */
  private static Path folder(Path folder, String prefix, Path unetWeights) {
    try (InputStream config = ControlNetFixture.class.getResourceAsStream("/controlnet/" + prefix + "config.json");
        InputStream own = ControlNetFixture.class.getResourceAsStream("/controlnet/" + prefix + "own.safetensors")) {
      Files.createDirectories(folder);
      Files.copy(config, folder.resolve("config.json"));
      Path ownFile = folder.resolveSibling(folder.getFileName() + "-own.safetensors");
      Files.copy(own, ownFile);
      SafeTensorsWriter writer = SafeTensorsWriter.create();
      try (SafeTensorsFile unet = SafeTensorsFile.open(unetWeights);
          SafeTensorsFile extras = SafeTensorsFile.open(ownFile)) {
        for (String name : unet.names()) {
          if (FROM_UNET.stream().anyMatch(name::startsWith)) {
            add(writer, name, unet.get(name));
          }
        }
        for (String name : extras.names()) {
          add(writer, name, extras.get(name));
        }
      }
      writer.write(folder.resolve("diffusion_pytorch_model.safetensors"));
      return folder;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The same ControlNet as one file in the original layout ({@code control_model.input_blocks...},
   * {@code zero_convs}, {@code input_hint_block}), {@code tiny-controlnet.safetensors} written into {@code dir} as
   * {@code tiny-controlnet-single-file.json} says (made, and checked with diffusers' {@code from_single_file}, by
   * {@code make_tiny_controlnet_single_file.py.txt}).
   */
  public static Path singleFile(Path dir) {
    return SingleFileLayout.write(folder(dir.resolve("source")), "/controlnet/tiny-controlnet-single-file.json",
        dir.resolve("tiny-controlnet.safetensors"));
  }

  /** diffusers' final latents of the generator's cases, {@code expected.safetensors} copied into {@code dir}. */
  public static Path expected(Path dir) {
    Path file = dir.resolve("controlnet-expected.safetensors");
    try (InputStream in = ControlNetFixture.class.getResourceAsStream("/controlnet/expected.safetensors")) {
      Files.copy(in, file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void add(SafeTensorsWriter writer, String name, SafeTensor t) {
    writer.add(name, t.dtype(), t.shape(), t.toFloatArray());
  }

  /** 128x128: concentric rings in red, a diagonal ramp in green, blue 64, as the generator draws it. */
  public static BufferedImage image() {
    BufferedImage image = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 128; y++) {
      for (int x = 0; x < 128; x++) {
        int red = ((x - 64) * (x - 64) + (y - 64) * (y - 64)) / 256 % 2 == 0 ? 255 : 0;
        image.setRGB(x, y, red << 16 | (x + y) * 255 / 254 << 8 | 64);
      }
    }
    return image;
  }
}
