package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.prompt.PromptSyntax;
import org.sdj.scheduler.Schedulers;

/**
 * The ways the denoising loop feeds A1111-syntax contexts to the UNet, on the CUDA backend: a prompt of three chunks
 * against a negative prompt of one (repeated to three: one batch), of two (the halves in two replays) and of three
 * (one batch as it is). All three agree with the reference backend's joint batch at the model tolerance.
 */
class CudaPromptContextsTest {
  private static final String PROMPT = "a cat on a wall BREAK a dog in the grass BREAK a bird";
  private static final long[] SHAPE = {1, 4, 4, 4};

  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Test
  void repeatedApartAndJointContextsAgreeWithTheReference() {
    float[] expected;
    try (Backend reference = new ReferenceBackend();
        PipelineComponents model = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(),
            reference)) {
      expected = latents(model, reference, "blurry BREAK blurry BREAK blurry");
    }
    try (Backend backend = createBackend();
        PipelineComponents model = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(),
            backend)) {
      for (String negative : List.of("blurry", "blurry BREAK blurry", "blurry BREAK blurry BREAK blurry")) {
        double err = TensorAssert.relativeL2(latents(model, backend, negative), expected);
        assertTrue(err <= 1e-2, "negative prompt '" + negative + "': relative L2 " + err);
      }
    }
  }

  private static float[] latents(PipelineComponents model, Backend backend, String negative) {
    float[] noise = new float[Math.toIntExact(SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3])];
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (float) random.nextGaussian();
    }
    DenoiseSpec spec = DenoiseSpec.builder(List.of(PROMPT), 1, Schedulers.create("euler", model.schedulerConfig()),
        new LatentStart.Noise(noise), SHAPE).negativePrompts(List.of(negative)).promptSyntax(PromptSyntax.A1111)
        .build();
    return new StableDiffusionPipeline(model, backend).denoise(spec);
  }
}
