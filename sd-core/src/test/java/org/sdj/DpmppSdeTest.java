package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * DPM++ SDE (diffusers' {@code DPMSolverSDEScheduler}, A1111's "DPM++ SDE") against diffusers' pipeline on the tiny
 * model, its Brownian noise seeded by the generation's seed ({@code src/test/resources/dpmpp-sde}, made by its
 * {@code make_dpmpp_sde_reference.py.txt}).
 */
class DpmppSdeTest extends TinyModelTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({"dpmpp-sde 4 steps, dpmpp-sde, 4, 91, 1", "dpmpp-sde-karras 5 steps batch 2, dpmpp-sde-karras, 5, 92, 2"})
  void matchesDiffusers(String name, String scheduler, int steps, long seed, int batch) throws URISyntaxException {
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(steps).scheduler(scheduler).seed(seed).batchSize(batch));
    TensorAssert.assertTensorClose(result.latents(), expected(name), name);
    assertTrue(result.parameters().infotext().contains("Sampler: DPM++ SDE"), result.parameters().infotext());
  }

  /** The noise follows the seed, or the config's noise_sampler_seed where one is given. */
  @Test
  void theSeedDrivesTheNoise() {
    GenerationRequest.Builder request = GenerationRequest.prompt("x").size(64, 64).steps(3).scheduler("dpmpp-sde");
    float[] a = sd.generate(request.seed(5)).latents();
    assertArrayEquals(a, sd.generate(request.seed(5)).latents());
    float[] pinned = sd.generate(request.seed(5).schedulerOverride("noise_sampler_seed", 6)).latents();
    assertFalse(Arrays.equals(a, pinned));
  }

  /**
   * DPM++ 2M SDE with {@code brownian_noise}: k-diffusion's noise (A1111's), from a Brownian tree of the seed, instead
   * of the generator's draws (the loop cases check it against k-diffusion's sampler).
   */
  @Test
  void brownianNoiseForDpmpp2mSdeFollowsTheSeed() {
    GenerationRequest.Builder request = GenerationRequest.prompt("x").size(64, 64).steps(4)
        .scheduler("dpmpp-2m-sde-karras").seed(7);
    float[] generator = sd.generate(request).latents();
    float[] brownian = sd.generate(request.schedulerOverride("brownian_noise", true)).latents();
    assertFalse(Arrays.equals(generator, brownian), "other noise");
    assertArrayEquals(brownian, sd.generate(request.schedulerOverride("noise_sampler_seed", 7)).latents());
    InvalidRequestException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidRequestException.class,
        () -> sd.generate(GenerationRequest.prompt("x").size(64, 64).steps(2).scheduler("dpmpp-2m-karras")
            .seed(7).schedulerOverride("noise_sampler_seed", 7)));
    assertTrue(e.getMessage().contains("does not read noise_sampler_seed"), e.getMessage());
  }

  private static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(DpmppSdeTest.class.getResource("/dpmpp-sde/expected.safetensors").toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
