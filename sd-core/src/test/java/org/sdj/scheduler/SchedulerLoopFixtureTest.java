package org.sdj.scheduler;

import org.sdj.io.TestFixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.sdj.conformance.SchedulerLoopCase;

/** diffusers' own full scheduler loops, one dynamic test per case of the fixture. */
class SchedulerLoopFixtureTest {
  @TestFactory
  List<DynamicTest> diffusersSchedulerLoops() throws IOException {
    JsonNode root = new ObjectMapper()
        .readTree(TestFixtures.path("diffusers-scheduler-loops/cases.json").toFile());
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode testCase : root.get("cases")) {
      if ("scheduler_loop".equals(testCase.path("kind").asText())) {
        tests.add(DynamicTest.dynamicTest(testCase.get("name").asText(), () -> SchedulerLoopCase.run(testCase)));
      }
    }
    return tests;
  }
}
