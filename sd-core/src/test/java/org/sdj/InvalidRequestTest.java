package org.sdj;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Requests the model cannot run fail before any work with an {@link InvalidRequestException} that names the bad value
 * and what is allowed.
 */
class InvalidRequestTest extends TinyModelTest {
  /** Runs {@code request}, expecting it to be rejected before its first step with a message holding every part. */
  private void rejected(GenerationRequest.Builder request, String... parts) {
    AtomicInteger steps = new AtomicInteger();
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> sd.generate(request.listener(event -> steps.incrementAndGet())));
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
    }
    assertTrue(steps.get() == 0, "ran " + steps + " steps first");
  }

  /** An OutOfMemoryError during the run leaves the API as an SdjException that says what to lower. */
  @Test
  void runningOutOfHeapIsAClearException() {
    SdjException e = assertThrows(SdjException.class, () -> sd.generate(TinyModel.small("x").batchSize(2)
        .listener(event -> {
          throw new OutOfMemoryError("Java heap space");
        })));
    assertTrue(e.getMessage().contains("out of Java heap memory") && e.getMessage().contains("batch 2 at 64x64")
        && e.getMessage().contains("-Xmx"), e.getMessage());
    sd.generate(TinyModel.small("x").steps(1));   // and the engine goes on
  }

  @Test
  void stepsOutOfRange() {
    rejected(TinyModel.small("x").steps(0), "steps", "1..1000", "got 0");
    rejected(TinyModel.small("x").steps(-3), "steps", "got -3");
    rejected(TinyModel.small("x").steps(1001), "steps", "got 1001");
  }

  @Test
  void clipSkipOutOfRange() {
    // The tiny model's text encoder has 3 layers.
    rejected(TinyModel.small("x").clipSkip(0), "clip skip", "1..3", "got 0");
    rejected(TinyModel.small("x").clipSkip(4), "clip skip", "1..3", "got 4");
  }

  @Test
  void sizeNotAMultipleOfEight() {
    rejected(TinyModel.small("x").size(100, 64), "multiples of 8", "100x64");
    rejected(TinyModel.small("x").size(64, 0), "multiples of 8", "64x0");
    rejected(TinyModel.small("x").size(-8, 64), "multiples of 8", "-8x64");
  }

  @Test
  void sizeTooLarge() {
    rejected(TinyModel.small("x").size(8192, 64), "at most 4096", "8192x64");
  }

  @Test
  void batchOutOfRange() {
    rejected(TinyModel.small("x").batchSize(0), "batch size", "got 0");
    rejected(TinyModel.small("x").batchSize(65), "batch size", "got 65");
  }

  @Test
  void guidanceNotANumber() {
    rejected(TinyModel.small("x").guidanceScale(Double.NaN), "guidance", "NaN");
  }

  @Test
  void unknownScheduler() {
    rejected(TinyModel.small("x").scheduler("no-such-sampler"), "no-such-sampler", "euler-a");
  }

  @Test
  void initialNoiseOfTheWrongSize() {
    rejected(TinyModel.small("x").initialNoise(new float[4 * 8 * 9]), "288 values", "64x64", "needs 256",
        "[1, 4, 8, 8]");
    rejected(TinyModel.small("x").batchSize(2).initialNoise(new float[4 * 8 * 8]), "256 values", "batch of 2",
        "needs 512");
  }

  @Test
  void strengthOutOfRange() {
    BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    rejected(TinyModel.small("x").initImage(image, 0), "strength", "(0, 1]", "got 0.0");
    rejected(TinyModel.small("x").initImage(image, 1.5), "strength", "(0, 1]", "got 1.5");
    rejected(TinyModel.small("x").initImage(image, Double.NaN), "strength", "got NaN");
  }

  @Test
  void initialNoiseWithAnInitImage() {
    BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    rejected(TinyModel.small("x").initialNoise(new float[4 * 8 * 8]).initImage(image, 0.5), "txt2img only",
        "init image");
  }

  @Test
  void anInitImageResizedToABadSize() {
    BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    rejected(TinyModel.small("x").size(60, 64).initImage(image, 0.5), "multiples of 8", "60x64");
  }
}
