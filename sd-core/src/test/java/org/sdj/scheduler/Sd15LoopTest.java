package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.sdj.conformance.SchedulerLoopCase;

/**
 * Full loops on SD 1.5's scheduler config that the shared fixture does not cover: the stochastic schedulers with
 * torch-seeded noise (DDIM eta, DDPM, LCM multi-step, DPM++ SDE, Euler Ancestral), third-order solvers, Karras
 * sigmas, v-prediction. Expected values from diffusers, in {@code sd15-loops.json} beside this class.
 */
class Sd15LoopTest {
  @TestFactory
  List<DynamicTest> matchesDiffusers() throws IOException {
    JsonNode root;
    try (InputStream in = Sd15LoopTest.class.getResourceAsStream("sd15-loops.json")) {
      root = new ObjectMapper().readTree(in);
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode testCase : root.get("cases")) {
      tests.add(DynamicTest.dynamicTest(testCase.get("name").asText(), () -> SchedulerLoopCase.run(testCase)));
    }
    return tests;
  }
}
