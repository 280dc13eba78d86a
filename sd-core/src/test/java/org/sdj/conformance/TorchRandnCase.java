package org.sdj.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;
import org.sdj.random.TorchGenerator;

/**
 * A {@code torch-randn} case: draws from one seeded generator in order, each compared with torch's
 * {@code torch.randn(shape, generator=g)} within 1e-5 absolute (torch's own vectorized and scalar paths differ by about
 * 2e-6).
 */
final class TorchRandnCase {
  static final double TOLERANCE = 1e-5;

  private TorchRandnCase() {}

  /** Whether {@code c} is such a case (its set predates the {@code kind} field). */
  static boolean matches(JsonNode c) {
    return c.has("seed") && c.has("draws");
  }

  static void check(JsonNode c, Function<String, float[]> expected) {
    TorchGenerator generator = new TorchGenerator(Long.parseUnsignedLong(c.get("seed").asText()));
    JsonNode draws = c.get("draws");
    for (int d = 0; d < draws.size(); d++) {
      JsonNode dims = draws.get(d);
      long[] shape = new long[dims.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = dims.get(i).asLong();
      }
      String name = c.has("tensors") ? c.get("tensors").get(d).asText() : c.get("name").asText();
      float[] want = expected.apply(name);
      float[] got = generator.randn(shape);
      assertEquals(want.length, got.length, name + ": element count");
      for (int i = 0; i < want.length; i++) {
        if (!(Math.abs(got[i] - want[i]) <= TOLERANCE)) {
          fail(name + "[" + i + "]: " + got[i] + " vs torch's " + want[i]);
        }
      }
    }
  }
}
