package org.sdj.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sdj.SdjException;
import org.sdj.conformance.SchedulerLoopCase;
import org.sdj.conformance.TensorAssert;
import org.sdj.random.TorchGenerator;

/**
 * AUTOMATIC1111's Restart sampler handed a schedule's tail, as its img2img does ({@code restart-img2img.json}, made by
 * {@code make_restart_cases.py.txt} from A1111's {@code restart_sampler}): the begin index {@code 2k} lays the calls
 * out anew from the {@code k}-th level. Its txt2img loops are among {@code sd15-loops.json}'s cases.
 */
class RestartSchedulerTest {
  @TestFactory
  List<DynamicTest> img2imgMatchesA1111() throws IOException {
    JsonNode root;
    try (InputStream in = RestartSchedulerTest.class.getResourceAsStream("restart-img2img.json")) {
      root = new ObjectMapper().readTree(in);
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : root.get("cases")) {
      tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> img2img(c)));
    }
    return tests;
  }

  private static void img2img(JsonNode c) {
    String name = c.get("name").asText();
    Scheduler scheduler = Schedulers.create("RestartScheduler", c.get("config"));
    scheduler.setTimesteps(c.get("num_inference_steps").asInt());
    int begin = 2 * c.get("skipped_steps").asInt();
    scheduler.setBeginIndex(begin);
    double[] timesteps = scheduler.timesteps();
    double[] sigmas = scheduler.sigmas();
    JsonNode callSigmas = c.get("call_sigmas");
    JsonNode callTimesteps = c.get("timesteps");
    assertEquals(callSigmas.size(), timesteps.length - begin, name + ": calls");
    for (int i = 0; i < callSigmas.size(); i++) {
      double s = callSigmas.get(i).asDouble();
      assertEquals(s, sigmas[begin + i], 1e-5 * Math.max(1, s), name + ": level of call " + i);
      double t = callTimesteps.get(i).asDouble();
      assertEquals(t, timesteps[begin + i], 1e-5 * Math.max(1, t), name + ": timestep of call " + i);
    }
    // img2img noises the clean sample to the tail's first level; here the sample itself stands at it.
    float[] x = scale(SchedulerLoopCase.deterministicSample(), (float) sigmas[begin]);
    NoiseSource noise = new TorchGenerator(c.get("uses_torch_cpu_rng_seed").asLong())::randn;
    for (int s = begin; s < timesteps.length; s++) {
      float t = (float) timesteps[s];
      x = scheduler.step(scale(x, t / (t + 1f)), timesteps[s], x, noise).prevSample();
    }
    float[] expected = new float[c.get("expected_final_sample").size()];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (float) c.get("expected_final_sample").get(i).asDouble();
    }
    TensorAssert.assertTensorClose(x, expected, name);
  }

  @Test
  void beginsOnlyAtAStepsFirstCall() {
    Scheduler scheduler = Schedulers.create("restart-karras", new ObjectMapper().createObjectNode());
    scheduler.setTimesteps(10);
    assertEquals(19, scheduler.timesteps().length, "Heun's pairs, the last step Euler's");
    assertEquals(2, scheduler.order());
    SdjException e = assertThrows(SdjException.class, () -> scheduler.setBeginIndex(3));
    assertTrue(e.getMessage().contains("first call"), e.getMessage());
    assertThrows(SdjException.class, () -> scheduler.setBeginIndex(20));
    scheduler.setTimesteps(24);
    double[] levels = scheduler.sigmas();
    // 15 Karras levels, then at the one nearest 0.1 back up to the one nearest 2 and down over 9 Karras levels.
    assertEquals(2 * 15 - 1 + 2 * 9, scheduler.timesteps().length);
    int climbs = 0;
    for (int i = 1; i < levels.length; i++) {
      climbs += levels[i] > levels[i - 1] ? 1 : 0;
    }
    assertEquals(1, climbs, Arrays.toString(levels));
  }

  private static float[] scale(float[] x, float factor) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] * factor;
    }
    return out;
  }
}
