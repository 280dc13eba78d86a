package org.sdj.io;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sdj.backend.DType;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * The latent consistency model of {@code src/test/resources/lcm/make_lcm_reference.py.txt}, made the same way here:
 * the tiny fixture model with {@code time_cond_proj_dim} {@value #COND} and {@code time_embedding.cond_proj.weight}
 * {@code 0.2 sin(0.37 k + 1)} over {@code k = o * 16 + i} (and the tiny SDXL made the same way), and the latents
 * diffusers' {@code StableDiffusionPipeline} (and {@code StableDiffusionXLPipeline}) ends with on it.
 */
public final class LcmFixture {
  /** The model's {@code time_cond_proj_dim}. */
  public static final int COND = 16;

  private LcmFixture() {}

  /** The tiny fixture model at {@code to} (which must not exist) as a latent consistency model. */
  public static Path model(Path to) throws IOException {
    return model(TestFixtures.path("tiny-sd1"), to);
  }

  /** {@link #model(Path)} of the model folder {@code from} (the tiny SDXL's, for example). */
  public static Path model(Path from, Path to) throws IOException {
    TestFixtures.copyTree(from, to);
    Path weights = to.resolve("unet/diffusion_pytorch_model.safetensors");
    SafeTensorsWriter writer = SafeTensorsWriter.create().metadata("format", "pt");
    long channels;
    try (SafeTensorsFile file = SafeTensorsFile.open(weights)) {
      for (String name : file.names()) {
        SafeTensor t = file.get(name);
        writer.add(name, t.dtype(), t.shape(), t.toFloatArray());
      }
      channels = file.get("time_embedding.linear_1.weight").shape()[1];
    }
    float[] condProj = new float[Math.toIntExact(channels * COND)];
    for (int k = 0; k < condProj.length; k++) {
      condProj[k] = (float) (0.2 * Math.sin(0.37 * k + 1.0));
    }
    writer.add("time_embedding.cond_proj.weight", DType.F32, new long[] {channels, COND}, condProj);
    Path written = to.resolve("unet/lcm.safetensors");
    writer.write(written);
    Files.move(written, weights, StandardCopyOption.REPLACE_EXISTING);
    Path config = to.resolve("unet/config.json");
    String text = Files.readString(config).replace("\"in_channels\": 4,",
        "\"in_channels\": 4,\n  \"time_cond_proj_dim\": " + COND + ",");
    Files.delete(config);
    Files.writeString(config, text);
    return to;
  }

  /** The final latents of the reference script's case {@code name}, {@code [batch, 4, h, w]} flattened. */
  public static float[] expected(String name) {
    try (SafeTensorsFile file = SafeTensorsFile.open(
        Path.of(LcmFixture.class.getResource("/lcm/expected.safetensors").toURI()))) {
      return file.get(name).toFloatArray();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
