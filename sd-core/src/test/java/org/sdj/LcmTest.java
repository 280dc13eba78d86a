package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.LcmFixture;
import org.sdj.io.SdxlFixture;
import org.sdj.model.blocks.TimestepEmbedding;

/**
 * A latent consistency model (a UNet with {@code time_cond_proj_dim}) through the public API against diffusers'
 * {@code StableDiffusionPipeline} ({@link LcmFixture}): the guidance scale enters as an embedding beside the timestep
 * and no unconditional pass runs, whatever the scheduler.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LcmTest {
  @TempDir
  static Path dir;
  private StableDiffusion lcm;

  @BeforeAll
  void open() throws IOException {
    lcm = StableDiffusion.builder().model(LcmFixture.model(dir.resolve("tiny-sd1-lcm"))).backend("reference")
        .build();
  }

  @AfterAll
  void close() {
    lcm.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "lcm 4 steps guidance 8.5, lcm, 4, 8.5, '', 7, 1",
      "lcm 2 steps guidance 1 batch 2, lcm, 2, 1.0, '', 11, 2",
      "euler 3 steps guidance 5 negative, euler, 3, 5.0, blurry, 5, 1"})
  void matchesDiffusersPipeline(String name, String scheduler, int steps, double guidance, String negative,
      long seed, int batch) {
    GenerationResult result = lcm.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt(negative)
        .size(64, 64).steps(steps).guidanceScale(guidance).scheduler(scheduler).seed(seed).batchSize(batch));
    TensorAssert.assertTensorClose(result.latents(), LcmFixture.expected(name), name);
  }

  @Test
  void anSdxlLatentConsistencyModelMatchesDiffusersXlPipeline() throws IOException {
    String name = "sdxl lcm 3 steps guidance 6";
    Path model = LcmFixture.model(SdxlFixture.model(dir.resolve("sdxl")), dir.resolve("tiny-sdxl-lcm"));
    try (StableDiffusion sdxl = StableDiffusion.builder().model(model).backend("reference").build()) {
      GenerationResult result = sdxl.generate(GenerationRequest.prompt("a watercolor otter").size(128, 128).steps(3)
          .guidanceScale(6).scheduler("lcm").seed(12));
      TensorAssert.assertTensorClose(result.latents(), LcmFixture.expected(name), name);
    }
  }

  @Test
  void theNegativePromptIsNotUsed() {
    GenerationRequest.Builder request = GenerationRequest.prompt("x").size(64, 64).steps(2).scheduler("lcm").seed(3);
    assertArrayEquals(lcm.generate(request).latents(),
        lcm.generate(request.negativePrompt("anything else")).latents());
  }

  @Test
  void theGuidanceScaleChangesTheImage() {
    GenerationRequest.Builder request = GenerationRequest.prompt("x").size(64, 64).steps(2).scheduler("lcm").seed(3);
    assertFalse(Arrays.equals(lcm.generate(request.guidanceScale(2)).latents(),
        lcm.generate(request.guidanceScale(8)).latents()));
  }

  @Test
  void guidanceScaleEmbeddingAsDiffusersComputesIt() {
    // diffusers' get_guidance_scale_embedding(torch.tensor([7.5]), dim) in float32, printed with 9 digits.
    assertArrayEquals(new float[] {-0.851235867f, 0.562671125f, -0.435233027f, 0.681638718f, -0.524783254f,
        -0.826680839f, -0.900317848f, 0.731688917f}, TimestepEmbedding.guidanceScaleEmbedding(7.5, 8), 1e-6f);
    float[] wide = TimestepEmbedding.guidanceScaleEmbedding(7.5, 256);
    assertArrayEquals(new float[] {0.947730243f, 0.916354239f, 0.880922616f, 0.842770875f},
        Arrays.copyOfRange(wide, 120, 124), 1e-6f);
  }
}
