package org.sdj.io.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.GenerationRequest;
import org.sdj.StableDiffusion;
import org.sdj.backend.DType;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * {@code vae(file)}: the tiny model's own VAE written as a file of its own, in the original layout (bare, and under
 * {@code first_stage_model.}) and in diffusers', gives the model's own pictures; a changed one changes them; a file
 * that is not this VAE says what is missing.
 */
class VaeFileTest {
  private static final Path MODEL = TestFixtures.path("tiny-sd1");
  private static final Path VAE = MODEL.resolve("vae/diffusion_pytorch_model.safetensors");

  @TempDir Path dir;

  @Test
  void theModelsOwnVaeInAnyLayoutGivesTheSamePicture() {
    int[] own = pixels(null);
    assertArrayEquals(own, pixels(VAE), "diffusers' layout");
    assertArrayEquals(own, pixels(originalLayout("vae-bare.safetensors", "", 1f)), "original layout");
    assertArrayEquals(own, pixels(originalLayout("vae-prefixed.safetensors", "first_stage_model.", 1f)),
        "original layout under first_stage_model.");
    assertFalse(Arrays.equals(own, pixels(originalLayout("vae-other.safetensors", "", 1.5f))), "a different VAE");
  }

  @Test
  void aFileThatIsNotThisVaeSaysWhatIsMissing() {
    Path unet = MODEL.resolve("unet/diffusion_pytorch_model.safetensors");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> StableDiffusion.builder().model(MODEL)
        .backend("reference").vae(unet).build());
    assertTrue(e.getMessage().contains("Cannot load the VAE file " + unet) && e.getMessage().contains("none of"),
        e.getMessage());
  }

  private static int[] pixels(Path vae) {
    StableDiffusion.Builder builder = StableDiffusion.builder().model(MODEL).backend("reference");
    if (vae != null) {
      builder.vae(vae);
    }
    try (StableDiffusion sd = builder.build()) {
      BufferedImage image = sd.generate(GenerationRequest.prompt("a lighthouse").size(64, 64).steps(1)
          .scheduler("euler").seed(3)).images().getFirst();
      return image.getRGB(0, 0, 64, 64, null, 0, 64);
    }
  }

  /**
   * The tiny VAE under its original names (VaeKeyMap's, read backwards), attention projections as 1x1 convolutions,
   * the decoder's output convolution scaled by {@code outScale}.
   */
  private Path originalLayout(String name, String prefix, float outScale) {
    AutoencoderKLConfig config = AutoencoderKLConfig.read(MODEL.resolve("vae/config.json"));
    KeyMap map = VaeKeyMap.of(config, prefix);
    SafeTensorsWriter out = SafeTensorsWriter.create();
    try (SafeTensorsFile vae = SafeTensorsFile.open(VAE)) {
      for (String diffusersName : vae.names()) {
        SafeTensor t = vae.get(diffusersName);
        SourceKey key = map.locate(diffusersName).orElseThrow();
        long[] shape = t.shape();
        if (key.view() instanceof SourceKey.ConvAsLinear) {
          shape = new long[] {shape[0], shape[1], 1, 1};
        }
        float[] values = t.toFloatArray();
        if (diffusersName.equals("decoder.conv_out.weight")) {
          for (int i = 0; i < values.length; i++) {
            values[i] *= outScale;
          }
        }
        out.add(key.name(), DType.F32, shape, values);
      }
    }
    Path file = dir.resolve(name);
    out.write(file);
    return file;
  }
}
