package org.sdj.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.sdj.random.TorchGenerator;
import org.sdj.scheduler.NoiseSource;
import org.sdj.scheduler.Scheduler;
import org.sdj.scheduler.Schedulers;

/**
 * Runs one {@code scheduler_loop} conformance case (from {@code diffusers-scheduler-loops/cases.json}): a full
 * denoising loop of diffusers' scheduler tests with a dummy sample and a dummy model, checked against what diffusers
 * produced. The case's {@code about} text in the fixture describes the sample, the model and the loop; where it
 * differs from diffusers' tests (which produced the expected values), this class follows the tests.
 */
public final class SchedulerLoopCase {
  /** Relative L2 error allowed on the final sample. */
  public static final double MAX_RELATIVE_L2 = 1e-4;
  private static final int BATCH = 4;
  private static final int CHANNELS = 3;
  private static final int HEIGHT = 8;
  private static final int WIDTH = 8;

  private SchedulerLoopCase() {}

  /** Runs the case and fails the test on any mismatch: timesteps, sigmas, final sample, sum and mean of |x|. */
  public static void run(JsonNode testCase) {
    String name = testCase.path("name").asText();
    Scheduler scheduler = Schedulers.create(testCase.get("scheduler").asText(), testCase.get("config"));
    scheduler.setTimesteps(testCase.get("num_inference_steps").asInt());

    assertClose(testCase.get("timesteps"), scheduler.timesteps(), name + ": timesteps");
    JsonNode expectedSigmas = testCase.get("sigmas");
    if (expectedSigmas != null && !expectedSigmas.isNull()) {
      assertClose(expectedSigmas, scheduler.sigmas(), name + ": sigmas");
    }

    JsonNode seed = testCase.get("uses_torch_cpu_rng_seed");
    NoiseSource noise = seed == null || seed.isNull() ? NoiseSource.NONE : new TorchGenerator(seed.asLong())::randn;
    JsonNode loop = testCase.get("loop");
    float[] x = deterministicSample();
    if (loop.path("multiply_init_noise_sigma").asBoolean()) {
      float sigma = (float) scheduler.initNoiseSigma();
      for (int i = 0; i < x.length; i++) {
        x[i] *= sigma;
      }
    }
    boolean scaleInput = loop.path("scale_model_input").asBoolean();
    for (double t : scheduler.timesteps()) {
      // As diffusers' full_loop tests do (the fixture's about text says otherwise): the scaled sample replaces x and
      // is what step() receives.
      if (scaleInput) {
        x = scheduler.scaleModelInput(x, t);
      }
      x = scheduler.step(dummyModel(x, t), t, x, noise).prevSample();
    }

    JsonNode expected = testCase.get("expected_final_sample");
    assertEquals(expected.size(), x.length, name + ": final sample length");
    double diff = 0;
    double norm = 0;
    double sumAbs = 0;
    for (int i = 0; i < x.length; i++) {
      double e = expected.get(i).asDouble();
      diff += (x[i] - e) * (x[i] - e);
      norm += e * e;
      sumAbs += Math.abs(x[i]);
    }
    double relative = Math.sqrt(diff / Math.max(norm, 1e-30));
    assertTrue(relative <= MAX_RELATIVE_L2, name + ": final sample relative L2 error " + relative);
    assertEquals(testCase.get("expected_sum_abs").asDouble(), sumAbs, 1e-2, name + ": sum of |x|");
    assertEquals(testCase.get("expected_mean_abs").asDouble(), sumAbs / x.length, 1e-3, name + ": mean of |x|");
  }

  /** diffusers' dummy_sample_deter, shape [4, 3, 8, 8]: value (c*256 + h*32 + w*4 + b) / 768 at [b, c, h, w] (the fixture's about text says / 192, but diffusers divides by the element count). */
  static float[] deterministicSample() {
    float[] x = new float[BATCH * CHANNELS * HEIGHT * WIDTH];
    int i = 0;
    for (int b = 0; b < BATCH; b++) {
      for (int c = 0; c < CHANNELS; c++) {
        for (int h = 0; h < HEIGHT; h++) {
          for (int w = 0; w < WIDTH; w++) {
            x[i++] = (float) (c * 256 + h * 32 + w * 4 + b) / x.length;
          }
        }
      }
    }
    return x;
  }

  /** The tests' dummy model: {@code x * t / (t + 1)} in float32. */
  static float[] dummyModel(float[] x, double timestep) {
    float t = (float) timestep;
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] * t / (t + 1f);
    }
    return out;
  }

  private static void assertClose(JsonNode expected, double[] actual, String what) {
    assertEquals(expected.size(), actual.length, what + ": count");
    for (int i = 0; i < actual.length; i++) {
      double e = expected.get(i).asDouble();
      assertEquals(e, actual[i], 1e-5 * Math.max(1, Math.abs(e)), what + "[" + i + "]");
    }
  }
}
