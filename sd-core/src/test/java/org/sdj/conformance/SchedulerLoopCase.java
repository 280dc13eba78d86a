package org.sdj.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.BiFunction;
import org.sdj.backend.Backend;
import org.sdj.backend.Tensor;
import org.sdj.pipeline.StepLatents;
import org.sdj.random.TorchGenerator;
import org.sdj.scheduler.LatentMath;
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
  private static final int BATCH = 4;
  private static final int CHANNELS = 3;
  private static final int HEIGHT = 8;
  private static final int WIDTH = 8;

  private SchedulerLoopCase() {}

  /** Runs the case on host arrays and fails the test on any mismatch: timesteps, sigmas, final sample, sum and mean of |x|. */
  public static void run(JsonNode testCase) {
    checkFinal(testCase, finalSample(testCase), Tolerances.FLOAT32);
  }

  /**
   * The case's final sample on host arrays, its timesteps and (where it gives them) sigmas checked: for cases that
   * carry only diffusers' scalar checks ({@code sum(|x|)}, {@code mean(|x|)}).
   */
  public static float[] finalSample(JsonNode testCase) {
    return loop(testCase, prepare(testCase), LatentMath.HOST, deterministicSample(), (s, prev) -> prev);
  }

  /**
   * Runs the case's loop on {@code backend}'s tensors (the pipeline's {@link StepLatents}, a scope per step) and
   * checks the final sample within {@code tolerances}.
   */
  public static void run(JsonNode testCase, Backend backend, Tolerances tolerances) {
    Scheduler scheduler = prepare(testCase);
    float[] x;
    try (StepLatents math = new StepLatents(backend)) {
      Tensor start = math.fromHost(deterministicSample(), BATCH, CHANNELS, HEIGHT, WIDTH);
      math.prefetchNoise(scheduler.timesteps().length);  // as the pipeline does: same draws, uploaded at once
      Tensor end = loop(testCase, scheduler, math, start, math::nextStep);
      x = math.ops().toHost(end);
    }
    checkFinal(testCase, x, tolerances);
  }

  /** The case's scheduler with its timesteps set, checked against the case's timesteps and sigmas. */
  private static Scheduler prepare(JsonNode testCase) {
    String name = testCase.path("name").asText();
    Scheduler scheduler = Schedulers.create(testCase.get("scheduler").asText(), testCase.get("config"));
    scheduler.setTimesteps(testCase.get("num_inference_steps").asInt());
    assertClose(testCase.get("timesteps"), scheduler.timesteps(), name + ": timesteps");
    JsonNode expectedSigmas = testCase.get("sigmas");
    if (expectedSigmas != null && !expectedSigmas.isNull()) {
      assertClose(expectedSigmas, scheduler.sigmas(), name + ": sigmas");
    }
    return scheduler;
  }

  /**
   * diffusers' full loop on latents of {@code math}'s kind.
   *
   * @param endStep what the caller does with each step's new sample before the next (the tensor loop's scope change)
   */
  private static <L> L loop(JsonNode testCase, Scheduler scheduler, LatentMath<L> math, L x,
      BiFunction<Scheduler, L, L> endStep) {
    JsonNode seed = testCase.get("uses_torch_cpu_rng_seed");
    NoiseSource noise = seed == null || seed.isNull() ? NoiseSource.NONE : new TorchGenerator(seed.asLong())::randn;
    JsonNode loop = testCase.get("loop");
    if (loop.path("multiply_init_noise_sigma").asBoolean()) {
      x = math.scale(x, (float) scheduler.initNoiseSigma());
    }
    boolean scaleInput = loop.path("scale_model_input").asBoolean();
    for (double t : scheduler.timesteps()) {
      // As diffusers' full_loop tests do (the fixture's about text says otherwise): the scaled sample replaces x and
      // is what step() receives.
      if (scaleInput) {
        x = scheduler.scaleModelInput(math, x, t);
      }
      // The tests' dummy model: x * t / (t + 1).
      float tf = (float) t;
      L model = math.scale(x, tf / (tf + 1f));
      x = endStep.apply(scheduler, scheduler.step(math, model, t, x, noise).prevSample());
    }
    return x;
  }

  private static void checkFinal(JsonNode testCase, float[] x, Tolerances tolerances) {
    String name = testCase.path("name").asText();
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
    assertTrue(relative <= tolerances.tensorRelL2(), name + ": final sample relative L2 error " + relative);
    // The fixture's sums are checked as tightly as float32 allows; a coarser backend's by its relative tolerance.
    double looser = tolerances.tensorRelL2() / Tolerances.FLOAT32.tensorRelL2();
    assertEquals(testCase.get("expected_sum_abs").asDouble(), sumAbs, 1e-2 * looser, name + ": sum of |x|");
    assertEquals(testCase.get("expected_mean_abs").asDouble(), sumAbs / x.length, 1e-3 * looser,
        name + ": mean of |x|");
  }

  /** diffusers' dummy_sample_deter, shape [4, 3, 8, 8]: value (c*256 + h*32 + w*4 + b) / 768 at [b, c, h, w] (the fixture's about text says / 192, but diffusers divides by the element count). */
  public static float[] deterministicSample() {
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

  private static void assertClose(JsonNode expected, double[] actual, String what) {
    assertEquals(expected.size(), actual.length, what + ": count");
    for (int i = 0; i < actual.length; i++) {
      double e = expected.get(i).asDouble();
      assertEquals(e, actual[i], 1e-5 * Math.max(1, Math.abs(e)), what + "[" + i + "]");
    }
  }
}
