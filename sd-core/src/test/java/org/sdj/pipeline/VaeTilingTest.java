package org.sdj.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * VAE tiling against diffusers' {@code AutoencoderKL} with {@code enable_tiling()} on the tiny fixture VAE, whose
 * 128-pixel {@code sample_size} makes 16-latent tiles ({@code src/test/resources/vae-tiling}, made by its
 * {@code make_vae_tiling_reference.py.txt}): decodes of 2x3 and 2x1 tiles (the last ones cut short) and an encode of
 * 2x3 tiles.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VaeTilingTest {
  private Backend backend;
  private PipelineComponents model;

  @BeforeAll
  void load() {
    backend = new ReferenceBackend();
    model = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(), backend);
  }

  @AfterAll
  void close() {
    model.close();
    backend.close();
  }

  @ParameterizedTest(name = "[{0}, 4, {1}, {2}]")
  @CsvSource({"1, 20, 28", "2, 17, 13"})
  void decodesAsDiffusersTiledDecode(int n, int h, int w) throws URISyntaxException {
    long[] shape = {n, 4, h, w};
    float scaling = (float) model.vae().config().scalingFactor();
    float[] latents = new float[n * 4 * h * w];
    for (int i = 0; i < latents.length; i++) {
      int x = i % w;
      int y = i / w % h;
      int c = i / (w * h) % 4;
      int b = i / (w * h * 4);
      latents[i] = (float) (1.5 * Math.cos(0.3 * x + 0.2 * y + 1.3 * c + 0.7 * b)) * scaling;
    }
    float[] tiled = new StableDiffusionPipeline(model, backend, true).decode(latents, shape);
    float[] expected = expected("decode." + n + "x4x" + h + "x" + w);
    TensorAssert.assertImageClose(tiled, expected, "tiled decode");
    float[] whole = new StableDiffusionPipeline(model, backend).decode(latents, shape);
    assertEquals(tiled.length, whole.length);
    assertTrue(maxDifference(whole, expected) > 4.0 / 255, "the tiles' seams show in the comparison");
  }

  @Test
  void encodesAsDiffusersTiledEncode() throws URISyntaxException {
    int height = 160;
    int width = 224;
    float[] image = new float[3 * height * width];
    for (int i = 0; i < image.length; i++) {
      int x = i % width;
      int y = i / width % height;
      int c = i / (width * height);
      image[i] = (float) Math.sin(0.05 * x + 0.07 * y + c);
    }
    // With zero posterior noise the latents are the moments' means times the scaling factor.
    float[] latents = new StableDiffusionPipeline(model, backend, true).encodeImage(image,
        new long[] {1, 3, height, width}, float[]::new);
    float[] moments = expected("encode.1x3x" + height + "x" + width);
    float scaling = (float) model.vae().config().scalingFactor();
    float[] means = new float[moments.length / 2];
    for (int i = 0; i < means.length; i++) {
      means[i] = moments[i] * scaling;
    }
    TensorAssert.assertTensorClose(latents, means, "tiled encode");
  }

  @Test
  void picturesWithinOneTileAreNotCut() {
    float[] latents = new float[4 * 16 * 16];
    for (int i = 0; i < latents.length; i++) {
      latents[i] = (float) Math.sin(i * 0.1);
    }
    long[] shape = {1, 4, 16, 16};
    assertTrue(java.util.Arrays.equals(new StableDiffusionPipeline(model, backend).decode(latents, shape),
        new StableDiffusionPipeline(model, backend, true).decode(latents, shape)));
  }

  private static float maxDifference(float[] a, float[] b) {
    float worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }

  private static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(VaeTilingTest.class.getResource("/vae-tiling/expected.safetensors").toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
