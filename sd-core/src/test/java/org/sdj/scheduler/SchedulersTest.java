package org.sdj.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sdj.SdjException;

class SchedulersTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode sd15() {
    ObjectNode config = JSON.createObjectNode();
    config.put("_class_name", "PNDMScheduler");
    config.put("beta_start", 0.00085);
    config.put("beta_end", 0.012);
    config.put("beta_schedule", "scaled_linear");
    config.put("skip_prk_steps", true);
    config.put("steps_offset", 1);
    config.put("timestep_spacing", "leading");
    config.put("clip_sample", false);
    config.put("some_future_key", "ignored");
    return config;
  }

  @Test
  void shortAndClassNamesBuildTheirClass() {
    assertInstanceOf(EulerDiscreteScheduler.class, Schedulers.create("euler", sd15()));
    assertInstanceOf(EulerDiscreteScheduler.class, Schedulers.create("EulerDiscreteScheduler", sd15()));
    assertInstanceOf(PNDMScheduler.class, Schedulers.fromConfig(sd15()));
    assertEquals(67, Schedulers.shortNames().size());
    for (String name : Schedulers.shortNames()) {
      Scheduler scheduler = Schedulers.create(name, sd15());
      assertEquals(Schedulers.create(scheduler.config().className(), sd15()).getClass(), scheduler.getClass());
      assertEquals(java.util.Optional.of(name), Schedulers.shortNameOf(scheduler), "the name a scheduler reports");
    }
  }

  @Test
  void baseFieldsCarryOverAndDefaultsFillTheRest() {
    var config = (DPMSolverMultistepScheduler.Config) Schedulers.create("dpmpp-2m-karras", sd15()).config();
    assertEquals(BetaSchedule.SCALED_LINEAR, config.common().betaSchedule());
    assertEquals(1, config.common().stepsOffset());
    assertEquals(TimestepSpacing.LEADING, config.common().timestepSpacing());
    assertEquals(SigmaSpacing.KARRAS, config.sigmaSpacing());
    assertTrue(config.lowerOrderFinal());
    var heun = (HeunDiscreteScheduler.Config) Schedulers.create("heun", JSON.createObjectNode()).config();
    assertEquals(0.00085, heun.common().betaStart());
    assertEquals(BetaSchedule.LINEAR, heun.common().betaSchedule());
  }

  @Test
  void overridesWin() {
    var config = (EulerDiscreteScheduler.Config) Schedulers.create("euler", sd15(),
        Map.of("use_karras_sigmas", true, "timestep_spacing", "trailing")).config();
    assertEquals(SigmaSpacing.KARRAS, config.sigmaSpacing());
    assertEquals(TimestepSpacing.TRAILING, config.common().timestepSpacing());
    var off = (DPMSolverMultistepScheduler.Config) Schedulers.create("dpmpp-2m-karras", sd15(),
        JSON.createObjectNode().put("use_karras_sigmas", false)).config();
    assertEquals(SigmaSpacing.TIMESTEPS, off.sigmaSpacing());
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    SdjException e = assertThrows(SdjException.class, () -> Schedulers.create("eulr", sd15()));
    assertTrue(e.getMessage().contains("euler-a"), e.getMessage());
    assertTrue(e.getMessage().contains("DPMSolverMultistepScheduler"), e.getMessage());
  }

  @Test
  void badValuesNameTheKey() {
    SdjException schedule = assertThrows(SdjException.class,
        () -> Schedulers.create("ddim", sd15(), Map.of("beta_schedule", "cubic")));
    assertTrue(schedule.getMessage().contains("beta_schedule"), schedule.getMessage());
    assertTrue(schedule.getMessage().contains("scaled_linear"), schedule.getMessage());
    SdjException type = assertThrows(SdjException.class,
        () -> Schedulers.create("euler", sd15(), Map.of("steps_offset", "one")));
    assertTrue(type.getMessage().contains("steps_offset"), type.getMessage());
    SdjException both = assertThrows(SdjException.class,
        () -> Schedulers.create("euler", sd15(), Map.of("use_karras_sigmas", true, "use_exponential_sigmas", true)));
    assertTrue(both.getMessage().contains("use_exponential_sigmas"), both.getMessage());
    assertThrows(SdjException.class, () -> Schedulers.create("dpmpp-2m", sd15(), Map.of("solver_order", 5)));
    assertThrows(SdjException.class, () -> Schedulers.create("ddim", sd15(), Map.of("thresholding", true)));
  }

  /** An override no scheduler field takes (a typo, another scheduler's key) is refused, where diffusers ignores it. */
  @Test
  void anOverrideTheSchedulerDoesNotReadIsRefused() {
    SdjException typo = assertThrows(SdjException.class,
        () -> Schedulers.create("euler", sd15(), Map.of("use_karas_sigmas", true, "timestep_spacing", "trailing")));
    assertTrue(typo.getMessage().startsWith("scheduler euler does not read use_karas_sigmas: "), typo.getMessage());
    assertTrue(typo.getMessage().contains("use_karras_sigmas"), typo.getMessage());
    SdjException other = assertThrows(SdjException.class,
        () -> Schedulers.create("euler", sd15(), Map.of("solver_order", 3)));
    assertTrue(other.getMessage().contains("does not read solver_order"), other.getMessage());
    Schedulers.create("dpmpp-2m", sd15(), Map.of("solver_order", 3));
  }

  @Test
  void misuseFailsClearly() {
    Scheduler euler = Schedulers.create("euler", sd15());
    assertThrows(SdjException.class, () -> euler.step(new float[4], 1, new float[4]));
    euler.setTimesteps(5);
    assertThrows(SdjException.class, () -> euler.step(new float[4], euler.timesteps()[0], new float[3]));
    assertThrows(SdjException.class, () -> euler.step(new float[4], 123.5, new float[4]));
    assertThrows(SdjException.class, () -> euler.setTimesteps(0));
    assertThrows(SdjException.class, () -> euler.setTimesteps(1001));

    Scheduler ancestral = Schedulers.create("euler-a", sd15());
    ancestral.setTimesteps(5);
    SdjException noNoise = assertThrows(SdjException.class,
        () -> ancestral.step(new float[4], ancestral.timesteps()[0], new float[4]));
    assertTrue(noNoise.getMessage().contains("NoiseSource"), noNoise.getMessage());
  }

  @Test
  void aGenerationStepsOnOneKindOfLatents() {
    Scheduler dpm = Schedulers.create("dpmpp-2m", sd15());
    LatentMath<float[]> other = new DelegatingMath();
    dpm.setTimesteps(5);
    double[] t = dpm.timesteps();
    float[] x = dpm.step(new float[4], t[0], new float[] {1, 2, 3, 4}).prevSample();
    IllegalStateException mixed = assertThrows(IllegalStateException.class,
        () -> dpm.step(other, new float[4], t[1], x, NoiseSource.NONE));
    assertTrue(mixed.getMessage().contains("setTimesteps"), mixed.getMessage());
    assertThrows(IllegalStateException.class, () -> dpm.moveState(other, v -> v));

    dpm.setTimesteps(5);
    List<float[]> moved = new ArrayList<>();
    dpm.moveState(other, v -> v); // nothing kept before the first step
    float[] y = dpm.step(other, new float[4], t[0], new float[] {1, 2, 3, 4}, NoiseSource.NONE).prevSample();
    dpm.moveState(other, v -> {
      moved.add(v);
      return v;
    });
    assertEquals(1, moved.size(), "DPM-Solver++ keeps the step's data prediction");
    assertArrayEquals(x, y);
  }

  /** Host arithmetic under another identity, as a second kind of latents. */
  private static final class DelegatingMath implements LatentMath<float[]> {
    @Override
    public long size(float[] x) {
      return x.length;
    }

    @Override
    public float[] scale(float[] x, float a) {
      return LatentMath.HOST.scale(x, a);
    }

    @Override
    public float[] combine(float a, float[] x, float b, float[] y) {
      return LatentMath.HOST.combine(a, x, b, y);
    }

    @Override
    public float[] clamp(float[] x, float range) {
      return LatentMath.HOST.clamp(x, range);
    }

    @Override
    public float[] noise(NoiseSource source, float[] like) {
      return LatentMath.HOST.noise(source, like);
    }
  }

  @Test
  void img2imgStartsAtTheBeginIndex() {
    Scheduler euler = Schedulers.create("euler", sd15());
    euler.setTimesteps(10);
    euler.setBeginIndex(4);
    double t = euler.timesteps()[4];
    float sigma = (float) euler.sigmas()[4];
    float[] noised = euler.addNoise(new float[] {1, 2}, new float[] {1, -1}, t);
    assertArrayEquals(new float[] {1 + sigma, 2 - sigma}, noised);

    Scheduler ddim = Schedulers.create("ddim", sd15());
    ddim.setTimesteps(10);
    float[] x = ddim.addNoise(new float[] {1}, new float[] {0}, 0);
    assertTrue(x[0] > 0.99f && x[0] < 1f);
  }
}
