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
