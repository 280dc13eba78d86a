package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.cuda.CudaTestSupport.gaussian;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.InpaintingFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.scheduler.Schedulers;

/**
 * Inpainting's two loops on the CUDA backend against the reference backend, at the model tolerance: an inpainting
 * UNet (9 input channels: the latents, then the mask and the masked image's latents concatenated on the device) and
 * the tiny model's own (4 channels: the image's latents blended back outside the mask after each step).
 */
class CudaInpaintTest {
  private static final long[] SHAPE = {2, 4, 8, 8};

  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Test
  void anInpaintingUNetAgreesWithTheReference(@TempDir Path dir) throws IOException {
    Path model = InpaintingFixture.nineChannelModel(dir.resolve("tiny-sd1-inpainting"));
    assertAgrees(model, latentCount -> new LatentStart.Inpaint(gaussian(latentCount, 1), gaussian(latentCount, 2),
        0.6, mask(), gaussian(latentCount, 3)));
  }

  @Test
  void aBlendingLoopAgreesWithTheReference() {
    assertAgrees(TestFixtures.path("tiny-sd1"), latentCount -> new LatentStart.Inpaint(gaussian(latentCount, 1),
        gaussian(latentCount, 2), 1.0, mask(), new float[0]));
  }

  private void assertAgrees(Path model, Function<Integer, LatentStart.Inpaint> start) {
    int count = Math.toIntExact(SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3]);
    float[] expected;
    try (Backend reference = new ReferenceBackend();
        PipelineComponents components = PipelineComponents.load(model, LoadOptions.defaults(), reference)) {
      expected = latents(components, reference, start.apply(count));
    }
    try (Backend backend = createBackend();
        PipelineComponents components = PipelineComponents.load(model, LoadOptions.defaults(), backend)) {
      double err = TensorAssert.relativeL2(latents(components, backend, start.apply(count)), expected);
      assertTrue(err <= 1e-2, "relative L2 " + err);
    }
  }

  private static float[] latents(PipelineComponents model, Backend backend, LatentStart start) {
    DenoiseSpec spec = DenoiseSpec.builder(List.of("a cat", "a dog"), 3,
            Schedulers.create("euler", model.schedulerConfig()), start, SHAPE)
        .negativePrompts(List.of("", "blurry")).build();
    return new StableDiffusionPipeline(model, backend).denoise(spec);
  }

  /** {@code [2, 1, 8, 8]}: a block repainted in the first item, another in the second. */
  private static float[] mask() {
    float[] mask = new float[2 * 64];
    for (int i = 0; i < 64; i++) {
      int y = i / 8;
      int x = i % 8;
      mask[i] = y >= 2 && y < 6 && x >= 1 && x < 5 ? 1 : 0;
      mask[64 + i] = x >= 4 ? 1 : 0;
    }
    return mask;
  }
}
