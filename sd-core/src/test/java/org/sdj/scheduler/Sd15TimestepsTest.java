package org.sdj.scheduler;

import org.sdj.io.TestFixtures;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every short name (and a few config variants) on SD 1.5's own scheduler config gives the timesteps, sigmas and
 * initial noise sigma that diffusers gives; the expected values are in {@code sd15-timesteps.json} beside this class.
 */
class Sd15TimestepsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  List<DynamicTest> matchesDiffusers() throws IOException {
    Path configFile = TestFixtures.path("tiny-sd1/scheduler/scheduler_config.json");
    JsonNode base = JSON.readTree(configFile.toFile());
    JsonNode expected;
    try (InputStream in = Sd15TimestepsTest.class.getResourceAsStream("sd15-timesteps.json")) {
      expected = JSON.readTree(in);
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : expected.get("cases")) {
      tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> check(base, c)));
    }
    return tests;
  }

  private static void check(JsonNode base, JsonNode c) {
    Scheduler scheduler = Schedulers.create(c.get("scheduler").asText(), base, c.get("overrides"));
    scheduler.setTimesteps(c.get("steps").asInt());
    assertClose(c.get("timesteps"), scheduler.timesteps(), "timesteps");
    assertClose(c.get("sigmas"), scheduler.sigmas(), "sigmas");
    double init = c.get("init_noise_sigma").asDouble();
    assertEquals(init, scheduler.initNoiseSigma(), 1e-5 * init, "init_noise_sigma");
  }

  private static void assertClose(JsonNode expected, double[] actual, String what) {
    assertEquals(expected.size(), actual.length, what + " count");
    for (int i = 0; i < actual.length; i++) {
      double e = expected.get(i).asDouble();
      assertEquals(e, actual[i], 1e-5 * Math.max(1, Math.abs(e)), what + "[" + i + "]");
    }
  }
}
