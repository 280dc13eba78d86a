package org.sdj.io;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * The inpainting inputs of {@code src/test/resources/inpaint/make_inpaint_reference.py.txt}, made the same way here:
 * the tiny fixture model with its UNet's {@code conv_in} widened to 9 input channels, the 64x64 ramp image and the
 * mask, and the latents diffusers' {@code StableDiffusionInpaintPipeline} ends with.
 */
public final class InpaintingFixture {
  /** The image's and mask's side. */
  public static final int SIZE = 64;

  private InpaintingFixture() {}

  /** The ramp of Img2ImgTest at 64x64: R = 255 x / 64, G = 255 y / 64, B = 128. */
  public static BufferedImage ramp() {
    BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        image.setRGB(x, y, (x * 255 / SIZE) << 16 | (y * 255 / SIZE) << 8 | 128);
      }
    }
    return image;
  }

  /** White over x 16..47, gray 128 (repaints) over x 48..55 and 127 (keeps) over x 56..63, of rows 8..39. */
  public static BufferedImage mask() {
    BufferedImage mask = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
    for (int y = 8; y < 40; y++) {
      for (int x = 16; x < SIZE; x++) {
        int v = x < 48 ? 255 : x < 56 ? 128 : 127;
        mask.setRGB(x, y, v << 16 | v << 8 | v);
      }
    }
    return mask;
  }

  /**
   * The tiny fixture model at {@code to} (which must not exist) with conv_in widened to 9 input channels, as the
   * reference script widens it: the new channels' weights {@code 0.05 sin(0.37 k + 1)}, {@code k} counting them in
   * {@code [O, 5, 3, 3]} order.
   */
  public static Path nineChannelModel(Path to) throws IOException {
    return nineChannelModel(TestFixtures.path("tiny-sd1"), to);
  }

  /** {@link #nineChannelModel(Path)} of the model folder {@code from} (the tiny SDXL's, for example). */
  public static Path nineChannelModel(Path from, Path to) throws IOException {
    TestFixtures.copyTree(from, to);
    Path weights = to.resolve("unet/diffusion_pytorch_model.safetensors");
    SafeTensorsWriter writer = SafeTensorsWriter.create().metadata("format", "pt");
    try (SafeTensorsFile file = SafeTensorsFile.open(weights)) {
      for (String name : file.names()) {
        SafeTensor t = file.get(name);
        float[] data = t.toFloatArray();
        long[] shape = t.shape();
        if (name.equals("conv_in.weight")) {
          data = widened(data, (int) shape[0]);
          shape = new long[] {shape[0], 9, shape[2], shape[3]};
        }
        writer.add(name, t.dtype(), shape, data);
      }
    }
    Path written = to.resolve("unet/widened.safetensors");
    writer.write(written);
    Files.move(written, weights, StandardCopyOption.REPLACE_EXISTING);
    Path config = to.resolve("unet/config.json");
    String text = Files.readString(config).replace("\"in_channels\": 4", "\"in_channels\": 9");
    Files.delete(config);
    Files.writeString(config, text);
    return to;
  }

  /** The final latents of the reference script's case {@code name}, {@code [batch, 4, 8, 8]} flattened. */
  public static float[] expected(String name) {
    try (SafeTensorsFile file = SafeTensorsFile.open(
        Path.of(InpaintingFixture.class.getResource("/inpaint/expected.safetensors").toURI()))) {
      return file.get(name).toFloatArray();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code [O, 4, 3, 3]} to {@code [O, 9, 3, 3]}. */
  private static float[] widened(float[] w, int outputs) {
    float[] out = new float[outputs * 9 * 9];
    for (int o = 0; o < outputs; o++) {
      System.arraycopy(w, o * 4 * 9, out, o * 9 * 9, 4 * 9);
      for (int c = 0; c < 5; c++) {
        for (int ij = 0; ij < 9; ij++) {
          int k = (o * 5 + c) * 9 + ij;
          out[o * 81 + (4 + c) * 9 + ij] = (float) (0.05 * Math.sin(0.37 * k + 1.0));
        }
      }
    }
    return out;
  }
}
