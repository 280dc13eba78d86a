package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.TestPictures;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.pipeline.Img2ImgSteps;

/**
 * AUTOMATIC1111's img2img and hires step counts ({@link Img2ImgSteps}, {@link Convention#A1111}) against diffusers' pipelines run at the
 * counts A1111 runs ({@code src/test/resources/img2img-steps}, made by its {@code make_img2img_steps_reference.py.txt}).
 */
class Img2ImgStepsTest extends TinyModelTest {
  @Test
  void img2imgRunsOneStepMore() throws URISyntaxException {
    List<String> events = new CopyOnWriteArrayList<>();
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .steps(10).scheduler("euler").seed(71).initImage(TestPictures.ramp(64, 64), 0.6)
        .img2imgSteps(Convention.A1111).listener(e -> events.add(e.step() + "/" + e.totalSteps())));
    TensorAssert.assertTensorClose(result.latents(), expected("img2img 10 steps at 0.6"), "img2img");
    assertEquals(7, events.size(), "int(0.6 * 10) + 1 steps: " + events);
    assertTrue(result.parameters().infotext().contains("Img2img steps: a1111"), result.parameters().infotext());
  }

  @Test
  void theHiresPassRunsAllItsStepsOfALongerSchedule() throws URISyntaxException {
    List<String> events = new CopyOnWriteArrayList<>();
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(4).scheduler("euler").seed(72).hiresFix(new HiresFix(1.5, 0.6, 3))
        .img2imgSteps(Convention.A1111).listener(e -> events.add(e.step() + "/" + e.totalSteps())));
    TensorAssert.assertTensorClose(result.latents(), expected("hires 1.5x 3 steps at 0.6"), "hires");
    assertEquals(List.of("1/4", "2/4", "3/4", "4/4", "1/3", "2/3", "3/3"), events);
  }

  /** LMS begun past its first step: its order's coefficients meet fewer derivatives, as diffusers zips them. */
  @Test
  void lmsBegunPastItsFirstStep() throws URISyntaxException {
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .steps(6).scheduler("lms").seed(73).initImage(TestPictures.ramp(64, 64), 0.5));
    TensorAssert.assertTensorClose(result.latents(), expected("lms img2img 6 steps at 0.5"), "lms");
  }

  @Test
  void theCountsAreA1111s() {
    assertEquals(7, Img2ImgSteps.stepsRun(Convention.A1111, 10, 0.6));
    assertEquals(6, Img2ImgSteps.stepsRun(Convention.DIFFUSERS, 10, 0.6));
    assertEquals(20, Img2ImgSteps.stepsRun(Convention.A1111, 20, 1.0), "strength 1: every step");
    assertEquals(28, Img2ImgSteps.hiresSchedule(Convention.A1111, 20, 0.7));
    assertEquals(20, Img2ImgSteps.hiresStepsRun(Convention.A1111, 20, 0.7));
    assertEquals(14, Img2ImgSteps.hiresStepsRun(Convention.DIFFUSERS, 20, 0.7));
  }

  private static float[] expected(String name) throws URISyntaxException {
    Path path = Path.of(Img2ImgStepsTest.class.getResource("/img2img-steps/expected.safetensors").toURI());
    try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
      return file.get(name).toFloatArray();
    }
  }
}
