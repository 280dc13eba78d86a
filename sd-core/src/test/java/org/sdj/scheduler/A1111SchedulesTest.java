package org.sdj.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * AUTOMATIC1111's k-diffusion schedules, written here from k-diffusion's formulas (its {@code CompVisDenoiser}'s
 * {@code get_sigmas}: timesteps 999 down to 0 evenly, each sigma interpolated in log; and its Karras and Exponential
 * schedules between the model's smallest and largest sigma), are what sdj's sigma schedulers give with diffusers'
 * {@code timestep_spacing=linspace}, within 1e-4 (diffusers interpolates a fractional timestep's sigma linearly,
 * k-diffusion in log: 3e-5 apart at most here): the spacing {@code --parameters-from} gives A1111 pictures.
 */
class A1111SchedulesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest(name = "{0} {1} steps")
  @CsvSource({"euler-a, 20", "euler, 7", "lms, 30", "euler-karras, 20", "dpmpp-2s-a-karras, 9",
      "euler-exponential, 12", "dpmpp-sde-karras, 10"})
  void linspaceGivesA1111sSigmas(String scheduler, int steps) {
    ObjectNode config = JSON.createObjectNode().put("beta_start", 0.00085).put("beta_end", 0.012)
        .put("beta_schedule", "scaled_linear").put("num_train_timesteps", 1000).put("steps_offset", 1);
    Scheduler s = Schedulers.create(scheduler, config, Map.of("timestep_spacing", "linspace"));
    s.setTimesteps(steps);
    double[] expected = scheduler.endsWith("-karras") ? karras(steps) : scheduler.endsWith("-exponential")
        ? exponential(steps) : uniform(steps);
    double[] actual = s.sigmas();
    // Heun-like layouts (DPM++ SDE) list each level after the first twice: compare the distinct levels.
    double[] levels = java.util.Arrays.stream(actual).distinct().toArray();
    assertEquals(steps + 1, levels.length, "levels");
    for (int i = 0; i < steps; i++) {
      assertEquals(expected[i], levels[i], 1e-4 * expected[i], "sigma " + i);
    }
    assertEquals(0, levels[steps]);
  }

  /** A1111's SGM Uniform and Simple schedule types, sdj's timestep spacings of those names. */
  @ParameterizedTest(name = "{0} {1} steps")
  @CsvSource({"euler, 8, sgm_uniform", "lms, 13, sgm_uniform", "euler, 6, simple", "heun, 9, simple"})
  void sgmUniformAndSimple(String scheduler, int steps, String spacing) {
    Scheduler s = Schedulers.create(scheduler, sd15(), Map.of("timestep_spacing", spacing));
    s.setTimesteps(steps);
    double[] train = trainSigmas();
    double[] levels = java.util.Arrays.stream(s.sigmas()).distinct().toArray();
    assertEquals(steps + 1, levels.length, "levels");
    for (int i = 0; i < steps; i++) {
      // SGM Uniform: linspace(999, 0, n + 1) without its 0, in log; Simple: sigmas[-(1 + int(i * 1000 / n))].
      double expected = spacing.equals("simple") ? train[999 - (int) (i * (1000.0 / steps))]
          : logInterpolated(train, 999 - 999.0 * i / steps);
      assertEquals(expected, levels[i], 1e-4 * expected, "sigma " + i);
    }
  }

  /** diffusers' {@code use_beta_sigmas} (A1111's Beta), values printed by diffusers. */
  @org.junit.jupiter.api.Test
  void betaSigmasAreDiffusers() {
    Scheduler euler = Schedulers.create("euler-beta", sd15(), Map.of("timestep_spacing", "linspace"));
    euler.setTimesteps(10);
    double[] expected = {14.614646911621094, 13.927790641784668, 12.490984916687012, 10.597612380981445,
        8.442440032958984, 6.201374530792236, 4.046202182769775, 2.15282940864563, 0.7160242795944214,
        0.02916753478348255, 0.0};
    double[] actual = euler.sigmas();
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-6 * Math.max(expected[i], 1), "euler sigma " + i);
    }
    assertEquals(991.0231323242188, euler.timesteps()[1], 1e-3);
    Scheduler dpm = Schedulers.create("dpmpp-2m-beta", sd15(), Map.of());
    dpm.setTimesteps(8);
    double[] dpmExpected = {14.614646911621094, 13.577006340026855, 11.451765060424805, 8.759598731994629,
        5.884215831756592, 3.192049741744995, 1.0668081045150757, 0.02916753478348255, 0.0};
    for (int i = 0; i < dpmExpected.length; i++) {
      assertEquals(dpmExpected[i], dpm.sigmas()[i], 1e-6 * Math.max(dpmExpected[i], 1), "dpm sigma " + i);
    }
    assertEquals(java.util.List.of(998.0, 986.0, 957.0, 909.0, 830.0, 689.0, 373.0, 0.0),
        java.util.Arrays.stream(dpm.timesteps()).boxed().toList());
  }

  /** A1111's Align Your Steps: NVIDIA's levels, log-linearly interpolated (values printed by A1111's formula). */
  @org.junit.jupiter.api.Test
  void alignYourSteps() {
    Scheduler sd = Schedulers.create("euler-ays", sd15(), Map.of());
    sd.setTimesteps(10);
    assertLevels(new double[] {14.614999999999997, 6.113513662022134, 3.565113735016383, 2.3938734813363083,
        1.6499555142538875, 1.1357873100664773, 0.7425182963215853, 0.44500744157898225, 0.16920512418887718,
        0.028999999999999998}, sd.sigmas());
    Scheduler xl = Schedulers.create("dpmpp-2m-ays", sd15(), Map.of("ays_model", "sdxl"));
    xl.setTimesteps(15);
    assertLevels(new double[] {14.614999999999997, 8.025921658855022, 5.0630125324768205, 3.4872652328122253,
        2.358452956951452, 1.6524928155713252, 1.1825657634279099, 0.862, 0.6293984011144996, 0.4718337041917909,
        0.3545704111917484, 0.2507823472949435, 0.15437106722009145, 0.07661478759422205, 0.028999999999999998},
        xl.sigmas());
  }

  private static void assertLevels(double[] expected, double[] sigmas) {
    assertEquals(expected.length + 1, sigmas.length, "levels and the final 0");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], sigmas[i], 1e-6 * expected[i], "sigma " + i);
    }
    assertEquals(0, sigmas[expected.length]);
  }

  private static ObjectNode sd15() {
    return JSON.createObjectNode().put("beta_start", 0.00085).put("beta_end", 0.012)
        .put("beta_schedule", "scaled_linear").put("num_train_timesteps", 1000).put("steps_offset", 1);
  }

  private static double logInterpolated(double[] train, double t) {
    int lo = (int) Math.floor(t);
    int hi = (int) Math.ceil(t);
    double w = t - lo;
    return Math.exp((1 - w) * Math.log(train[lo]) + w * Math.log(train[hi]));
  }

  private static double[] trainSigmas() {
    double[] sigmas = new double[1000];
    double product = 1;
    for (int t = 0; t < 1000; t++) {
      double root = Math.sqrt(0.00085) + (Math.sqrt(0.012) - Math.sqrt(0.00085)) * t / 999;
      product *= 1 - root * root;
      sigmas[t] = Math.sqrt((1 - product) / product);
    }
    return sigmas;
  }

  private static double[] uniform(int n) {
    double[] train = trainSigmas();
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double t = n == 1 ? 999 : 999 - 999.0 * i / (n - 1);
      int lo = (int) Math.floor(t);
      int hi = (int) Math.ceil(t);
      double w = t - lo;
      out[i] = Math.exp((1 - w) * Math.log(train[lo]) + w * Math.log(train[hi]));
    }
    return out;
  }

  private static double[] karras(int n) {
    double[] train = trainSigmas();
    double min = Math.pow(train[0], 1 / 7.0);
    double max = Math.pow(train[999], 1 / 7.0);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.pow(max + (double) i / (n - 1) * (min - max), 7);
    }
    return out;
  }

  private static double[] exponential(int n) {
    double[] train = trainSigmas();
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.exp(Math.log(train[999]) + (double) i / (n - 1) * (Math.log(train[0]) - Math.log(train[999])));
    }
    return out;
  }
}
