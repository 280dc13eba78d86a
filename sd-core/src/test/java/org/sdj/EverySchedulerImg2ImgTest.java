package org.sdj;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sdj.image.TestPictures;
import org.sdj.scheduler.Schedulers;

/**
 * Every scheduler runs img2img begun in the middle of its schedule (a multistep scheduler then starts without the
 * history its order would use), to finite latents.
 */
class EverySchedulerImg2ImgTest extends TinyModelTest {
  static Stream<String> schedulers() {
    return Schedulers.shortNames().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("schedulers")
  void img2imgBegunMidway(String scheduler) {
    GenerationRequest.Builder request = GenerationRequest.prompt("x").steps(5).scheduler(scheduler).seed(4)
        .initImage(TestPictures.ramp(64, 64), 0.5);
    if (scheduler.startsWith("lcm") || scheduler.startsWith("tcd")) {
      request.guidanceScale(1);
    }
    for (float v : sd.generate(request).latents()) {
      assertTrue(Float.isFinite(v), scheduler + ": " + v);
    }
  }
}
