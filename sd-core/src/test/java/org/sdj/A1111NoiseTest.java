package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.TestPictures;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.random.PhiloxGenerator;
import org.sdj.random.RandomSource;

/**
 * AUTOMATIC1111's noise ({@link Convention#A1111} seeding, its CPU and NV sources, ENSD) against diffusers'
 * pipelines given the noise A1111 draws ({@code src/test/resources/a1111-noise}, made by its
 * {@code make_a1111_noise_reference.py.txt}), and the property A1111's seeding is for: each picture of a batch is its
 * own seed's picture alone.
 */
class A1111NoiseTest extends TinyModelTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "nv euler-a batch 2 ensd 31337 | NV | 1234 | 2 | 4 | -1 | 0 | 31337 | -1",
      "cpu euler-a batch 2 variation | CPU | 55 | 2 | 3 | 77 | 0.3 | 0 | -1",
      "nv img2img euler-a batch 2 | NV | 9 | 2 | 5 | -1 | 0 | 0 | 0.6"})
  void matchesDiffusersGivenA1111sNoise(String name, RandomSource source, long seed, int batch, int steps,
      long variationSeed, double variationStrength, long ensd, double strength) throws URISyntaxException {
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(steps).scheduler("euler-a").seed(seed).batchSize(batch)
        .noise(NoiseOptions.a1111().withSource(source).withEtaNoiseSeedDelta(ensd));
    if (variationSeed >= 0) {
      request.variation(variationSeed, variationStrength);
    }
    if (strength > 0) {
      request.initImage(TestPictures.ramp(64, 64), strength);
    }
    TensorAssert.assertTensorClose(sd.generate(request).latents(), expected(name), name);
  }

  /** A1111's "Resize seed from": the other size's noise (varied there) laid centered into the picture's own. */
  @Test
  void seedResizeLaysTheOtherSizesNoiseCentered() throws URISyntaxException {
    String name = "nv seed resize from 96x48 batch 2 variation";
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(3).seed(70).batchSize(2).variation(90, 0.4)
        .noise(NoiseOptions.a1111().withSeedResizeFrom(96, 48));
    GenerationResult result = sd.generate(request);
    TensorAssert.assertTensorClose(result.latents(), expected(name), name);
    assertTrue(result.parameters().infotext().contains("Seed resize from: 96x48"), result.parameters().infotext());
    // From its own size, nothing changes.
    assertArrayEquals(sd.initialNoise(request.noise(NoiseOptions.a1111()).build()),
        sd.initialNoise(request.noise(NoiseOptions.a1111().withSeedResizeFrom(64, 64)).build()));
    InvalidRequestException bad = org.junit.jupiter.api.Assertions.assertThrows(InvalidRequestException.class,
        () -> sd.generate(request.noise(NoiseOptions.a1111().withSeedResizeFrom(4, 64))));
    assertTrue(bad.getMessage().contains("seed resize from 4x64"), bad.getMessage());
  }

  /** DPM++ SDE's Brownian noise: a tree per picture of its seed, grown with the source's generators. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"nv dpmpp-sde-karras batch 2, NV, dpmpp-sde-karras, 31, 4", "cpu dpmpp-sde batch 2, CPU, dpmpp-sde, 33, 3"})
  void brownianTreesArePerPicture(String name, RandomSource source, String scheduler, long seed, int steps)
      throws URISyntaxException {
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(steps).scheduler(scheduler).seed(seed).batchSize(2)
        .noise(NoiseOptions.a1111().withSource(source));
    TensorAssert.assertTensorClose(sd.generate(request).latents(), expected(name), name);
  }

  @Test
  void eachPictureIsItsOwnSeedsAloneThroughTheHiresPass() {
    GenerationRequest.Builder request = GenerationRequest.prompt("x").size(64, 64).steps(3).scheduler("euler-a")
        .hiresFix(1.5, 0.6).variation(40, 0.2).noise(NoiseOptions.a1111().withEtaNoiseSeedDelta(5));
    GenerationResult batch = sd.generate(request.seed(20).batchSize(3));
    float[] all = batch.latents();
    int per = all.length / 3;
    for (int i = 0; i < 3; i++) {
      GenerationParameters own = batch.parameters().forPicture(i);
      assertEquals(20 + i, own.seed());
      assertEquals(40 + i, own.variation().orElseThrow().seed());
      float[] alone = sd.generate(request.seed(20 + i).batchSize(1).variation(40 + i, 0.2)).latents();
      TensorAssert.assertTensorClose(Arrays.copyOfRange(all, i * per, (i + 1) * per), alone, "picture " + i);
    }
    String infotext = batch.parameters().forPicture(2).infotext();
    assertTrue(infotext.contains("Seed: 22,"), infotext);
    assertTrue(infotext.contains("RNG: NV") && infotext.contains("ENSD: 5") && infotext.contains("Seeding: a1111"),
        infotext);
  }

  @Test
  void theEnsdMovesTheSamplersNoiseOnly() {
    GenerationRequest.Builder request = TinyModel.small("x").noise(NoiseOptions.a1111());
    assertArrayEquals(sd.initialNoise(request.build()),
        sd.initialNoise(request.noise(NoiseOptions.a1111().withEtaNoiseSeedDelta(31337)).build()));
    assertArrayEquals(sd.generate(request.scheduler("euler")).latents(),
        sd.generate(request.noise(NoiseOptions.a1111()).scheduler("euler")).latents(), "a deterministic sampler");
    assertFalse(Arrays.equals(sd.generate(request.scheduler("euler-a")).latents(),
        sd.generate(request.noise(NoiseOptions.a1111().withEtaNoiseSeedDelta(31337))).latents()), "euler-a");
  }

  @Test
  void diffusersSeedingOnTheCudaGeneratorDrawsTheBatchAtOnce() {
    GenerationRequest request = TinyModel.small("x").batchSize(2).seed(7)
        .noise(NoiseOptions.DEFAULT.withSource(RandomSource.NV)).build();
    assertArrayEquals(new PhiloxGenerator(7).randn(2, 4, 8, 8), sd.initialNoise(request));
    assertTrue(sd.generate(request).parameters().forPicture(1).infotext().contains("Seed: 7,"));
  }

  private static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(A1111NoiseTest.class.getResource("/a1111-noise/expected.safetensors").toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
