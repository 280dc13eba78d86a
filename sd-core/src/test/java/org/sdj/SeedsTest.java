package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.io.StrictJson;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsFile;

/** A request's seed gives diffusers' initial noise: {@code torch.randn} from a CPU generator with that seed. */
class SeedsTest extends TinyModelTest {
  private static final double TORCH_RANDN_TOLERANCE = 1e-5;
  @ParameterizedTest(name = "{0}: batch {1} at {2}x{3}")
  @CsvSource({"single.5, 1, 512, 512", "single.9, 1, 128, 128", "single.7, 2, 160, 96"})
  void initialNoiseIsTorchRandnOfTheSeed(String name, int batch, int width, int height) throws IOException {
    Path dir = TestFixtures.path("torch-randn");
    JsonNode c = caseNamed(StrictJson.readObject(dir.resolve("cases.json")), name);
    long seed = Long.parseUnsignedLong(c.get("seed").asText());
    JsonNode dims = c.get("draws").get(0);
    assertEquals(java.util.List.of(batch, 4, height / 8, width / 8),
        java.util.List.of(dims.get(0).asInt(), dims.get(1).asInt(), dims.get(2).asInt(), dims.get(3).asInt()),
        "the case's shape");

    float[] got = sd.initialNoise(GenerationRequest.prompt("any").size(width, height).batchSize(batch).seed(seed)
        .build());
    float[] want;
    try (SafeTensorsFile expected = SafeTensorsFile.open(dir.resolve("expected.safetensors"))) {
      want = expected.get(name).toFloatArray();
    }
    assertEquals(want.length, got.length, "element count");
    for (int i = 0; i < want.length; i++) {
      if (!(Math.abs(got[i] - want[i]) <= TORCH_RANDN_TOLERANCE)) {
        fail(name + "[" + i + "]: " + got[i] + " vs torch's " + want[i]);
      }
    }
  }

  @Test
  void aSeededGenerationStartsFromThatNoise() {
    GenerationRequest seeded = TinyModel.small("a lighthouse").seed(123456789012L).build();
    float[] noise = sd.initialNoise(seeded);
    GenerationResult fromSeed = sd.generate(seeded);
    GenerationResult fromNoise = sd.generate(seeded.toBuilder().initialNoise(noise));
    assertArrayEquals(fromSeed.latents(), fromNoise.latents());
    assertEquals(123456789012L, fromSeed.parameters().seed());
  }

  @Test
  void theRequestsOwnNoiseWinsOverItsSeed() {
    float[] noise = new float[4 * 8 * 8];
    java.util.Arrays.fill(noise, 0.25f);
    assertArrayEquals(noise, sd.initialNoise(TinyModel.small("x").initialNoise(noise).build()));
  }

  @Test
  void initialNoiseNeedsASeed() {
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> sd.initialNoise(GenerationRequest.prompt("x").size(64, 64).build()));
    assertTrue(e.getMessage().contains("seed"), e.getMessage());
  }

  private static JsonNode caseNamed(JsonNode json, String name) {
    for (JsonNode c : json.get("cases")) {
      if (name.equals(c.path("name").asText())) {
        return c;
      }
    }
    throw new AssertionError("no case " + name + " in torch-randn/cases.json");
  }
}
