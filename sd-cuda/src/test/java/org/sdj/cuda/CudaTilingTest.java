package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.cuda.CudaTestSupport.gaussian;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdj.Tiling;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.random.TorchGenerator;
import org.sdj.scheduler.NoiseSource;
import org.sdj.scheduler.Schedulers;

/**
 * Seamless tiling on the CUDA backend against the reference backend, at the model tolerance: the UNet's convolutions
 * wrapped (channels last, recorded and replayed) along the width only, then the VAE's both ways, on latents that are
 * not square.
 */
class CudaTilingTest {
  private static final long[] SHAPE = {1, 4, 8, 10};

  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Test
  void agreesWithTheReference() {
    float[][] expected;
    try (Backend reference = new ReferenceBackend();
        PipelineComponents components = PipelineComponents.load(TestFixtures.path("tiny-sd1"),
            LoadOptions.defaults(), reference)) {
      expected = run(components, reference);
    }
    try (Backend backend = createBackend();
        PipelineComponents components = PipelineComponents.load(TestFixtures.path("tiny-sd1"),
            LoadOptions.defaults(), backend)) {
      float[][] actual = run(components, backend);
      double latents = TensorAssert.relativeL2(actual[0], expected[0]);
      assertTrue(latents <= 1e-2, "latents: relative L2 " + latents);
      double image = TensorAssert.relativeL2(actual[1], expected[1]);
      assertTrue(image <= 1e-2, "image: relative L2 " + image);
    }
  }

  /** The latents of a loop tiled along the width, and the reference's latents decoded tiled both ways. */
  private static float[][] run(PipelineComponents model, Backend backend) {
    int count = Math.toIntExact(SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3]);
    DenoiseSpec spec = DenoiseSpec.builder(List.of("a cat"), 2, Schedulers.create("euler", model.schedulerConfig()),
            new LatentStart.Noise(gaussian(count, 5)), SHAPE)
        .negativePrompts(List.of("blurry")).stepNoise(NoiseSource.of(new TorchGenerator(9))).build();
    StableDiffusionPipeline pipeline = new StableDiffusionPipeline(model, backend);
    float[] latents = pipeline.seamless(Tiling.X).denoise(spec);
    float[] image = pipeline.seamless(Tiling.BOTH).decode(gaussian(count, 6), SHAPE);
    return new float[][] {latents, image};
  }
}
