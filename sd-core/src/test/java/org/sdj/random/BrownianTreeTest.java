package org.sdj.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.sdj.conformance.TensorAssert;

/**
 * {@link BrownianTree} against torchsde's {@code BrownianInterval} as diffusers builds it
 * ({@code src/test/resources/brownian}, made by its {@code make_brownian_reference.py.txt}): queries in a sampler's
 * order, then out of order, past the ends (clamped) and empty. Value for value where the increments are shorter than
 * 16 (torch's scalar normal draws, which {@link TorchGenerator} reproduces exactly); within 1e-6 relative L2 where
 * torch draws with its vectorized Box-Muller, whose float log, sin and cos it matches within a few ulp.
 */
class BrownianTreeTest {
  @Test
  void matchesTorchsde() throws IOException {
    JsonNode cases;
    try (InputStream in = BrownianTreeTest.class.getResourceAsStream("/brownian/expected.json")) {
      cases = new ObjectMapper().readTree(in);
    }
    assertEquals(3, cases.size());
    for (JsonNode c : cases) {
      int size = c.get("size").asInt();
      BrownianTree tree = new BrownianTree(c.get("t0").asDouble(), c.get("t1").asDouble(), size,
          c.get("entropy").asLong());
      for (int q = 0; q < c.get("queries").size(); q++) {
        JsonNode query = c.get("queries").get(q);
        JsonNode want = c.get("increments").get(q);
        float[] expected = new float[size];
        for (int i = 0; i < size; i++) {
          expected[i] = (float) want.get(i).asDouble();
        }
        float[] actual = tree.increment(query.get(0).asDouble(), query.get(1).asDouble());
        String what = "entropy " + c.get("entropy") + " query " + q + " " + query;
        if (size < 16) {
          assertArrayEquals(expected, actual, what);
        } else {
          double err = TensorAssert.relativeL2(actual, expected);
          assertTrue(err <= 1e-6, what + ": relative L2 " + err);
        }
      }
    }
  }

  @Test
  void roundsAsPython() {
    assertEquals(0.5, BrownianTree.round(0.5000004));
    assertEquals(0.000001, BrownianTree.round(0.0000005000001));
    assertEquals(14.614642, BrownianTree.round(14.614642143249512));
  }

  @Test
  void refusesBackwardQueriesAndEmptyIntervals() {
    assertThrows(IllegalArgumentException.class, () -> new BrownianTree(1, 1, 4, 0));
    assertThrows(IllegalArgumentException.class, () -> new BrownianTree(0, 1, 4, 0).increment(0.5, 0.25));
  }
}
