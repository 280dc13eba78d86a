package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.sdj.image.TestPictures;

/** img2img through the public API on the tiny model. */
class Img2ImgTest extends TinyModelTest {
  @Test
  void strengthHalfOfFiveStepsRunsTheLastTwoAndShowsLatentSizePreviews() {
    List<String> events = new CopyOnWriteArrayList<>();
    GenerationResult result = sd.generate(GenerationRequest.prompt("a watercolor otter").steps(5).scheduler("euler")
        .seed(3).initImage(TestPictures.ramp(64, 64), 0.5).listener(event -> {
          BufferedImage preview = event.preview();
          events.add(event.step() + "/" + event.totalSteps() + " " + preview.getWidth() + "x" + preview.getHeight());
        }));
    // diffusers' get_timesteps: int(5 * 0.5) = 2 steps remain for a first-order scheduler.
    assertEquals(List.of("1/2 8x8", "2/2 8x8"), events);
    assertEquals(1, result.images().size());
    assertEquals(64, result.images().get(0).getWidth());
    assertEquals(64, result.images().get(0).getHeight());
    assertEquals(OptionalDouble.of(0.5), result.parameters().strength());
    assertEquals(5, result.parameters().steps());
    assertTrue(result.parameters().infotext().contains("Denoising strength: 0.5"), result.parameters().infotext());
  }

  @Test
  void aStrengthThatLeavesNoStepIsRejected() {
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> sd.generate(GenerationRequest.prompt("x").steps(5).seed(1).initImage(TestPictures.ramp(64, 64), 0.1)));
    assertTrue(e.getMessage().contains("0.1") && e.getMessage().contains("5 steps")
        && e.getMessage().contains("raise"), e.getMessage());
  }

  @Test
  void aBatchOfTwoStartsFromTheOneImageWithTwoNoises() {
    GenerationResult result = sd.generate(GenerationRequest.prompt("x").steps(2).scheduler("ddim").seed(5)
        .batchSize(2).initImage(TestPictures.ramp(64, 64), 1.0));
    assertEquals(2, result.images().size());
    assertEquals(2 * 4 * 8 * 8, result.latents().length);
    assertEquals(2, result.parameters().batchSize());
    float[] latents = result.latents();
    int half = latents.length / 2;
    assertFalse(Arrays.equals(Arrays.copyOfRange(latents, 0, half), Arrays.copyOfRange(latents, half, 2 * half)),
        "each image of the batch has its own noise");
  }

  @Test
  void withoutASizeTheImageIsRoundedDownToAMultipleOfEight() {
    GenerationResult result = sd.generate(GenerationRequest.prompt("x").steps(2).seed(5)
        .initImage(TestPictures.ramp(70, 60), 0.5));
    assertEquals(64, result.parameters().width());
    assertEquals(56, result.parameters().height());
    assertEquals(64, result.images().get(0).getWidth());
    assertEquals(56, result.images().get(0).getHeight());
  }

  @Test
  void sameSeedSameImage() {
    GenerationRequest.Builder request = GenerationRequest.prompt("x").steps(4).scheduler("euler-a").seed(9)
        .initImage(TestPictures.ramp(64, 64), 0.75);
    assertTrue(Arrays.equals(sd.generate(request).latents(), sd.generate(request).latents()));
  }
}
