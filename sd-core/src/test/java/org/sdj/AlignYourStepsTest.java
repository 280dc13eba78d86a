package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.sdj.scheduler.Scheduler;
import org.sdj.scheduler.Schedulers;

/** Align Your Steps takes SDXL's levels for an SDXL model, as A1111 does, and SD 1.5's for the others. */
class AlignYourStepsTest {
  @Test
  void anSdxlModelWalksSdxlsLevels() throws Exception {
    Path model = Path.of(AlignYourStepsTest.class.getResource("/sdxl/tiny-sdxl").toURI());
    var config = new ObjectMapper().readTree(model.resolve("scheduler/scheduler_config.json").toFile());
    double[] sdxl = timesteps(Schedulers.create("euler-ays", config, Map.of("ays_model", "sdxl")));
    double[] sd1 = timesteps(Schedulers.create("euler-ays", config, Map.of()));
    assertNotEquals(Arrays.toString(sd1), Arrays.toString(sdxl));
    List<Double> seen = new CopyOnWriteArrayList<>();
    try (StableDiffusion sd = StableDiffusion.builder().model(model).backend("reference").build()) {
      GenerationResult result = sd.generate(GenerationRequest.prompt("x").size(128, 128).steps(4)
          .scheduler("euler-ays").seed(3).listener(e -> seen.add(e.timestep())));
      assertTrue(result.parameters().infotext().contains("Schedule type: Align Your Steps"),
          result.parameters().infotext());
    }
    assertEquals(Arrays.stream(sdxl).boxed().toList(), seen);
  }

  private static double[] timesteps(Scheduler scheduler) {
    scheduler.setTimesteps(4);
    return scheduler.timesteps();
  }
}
