package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.cuda.CudaTestSupport.gaussian;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.LcmFixture;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.random.TorchGenerator;
import org.sdj.scheduler.NoiseSource;
import org.sdj.scheduler.Schedulers;

/**
 * A latent consistency model (the guidance scale's embedding through {@code time_embedding.cond_proj}, no
 * unconditional pass) on the CUDA backend against the reference backend, at the model tolerance: LCM's scheduler, its
 * step noise from one seed on both.
 */
class CudaLcmTest {
  private static final long[] SHAPE = {2, 4, 8, 8};

  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Test
  void agreesWithTheReference(@TempDir Path dir) throws IOException {
    Path model = LcmFixture.model(dir.resolve("tiny-sd1-lcm"));
    float[] expected;
    try (Backend reference = new ReferenceBackend();
        PipelineComponents components = PipelineComponents.load(model, LoadOptions.defaults(), reference)) {
      expected = latents(components, reference);
    }
    try (Backend backend = createBackend();
        PipelineComponents components = PipelineComponents.load(model, LoadOptions.defaults(), backend)) {
      double err = TensorAssert.relativeL2(latents(components, backend), expected);
      assertTrue(err <= 1e-2, "relative L2 " + err);
    }
  }

  private static float[] latents(PipelineComponents model, Backend backend) {
    int count = Math.toIntExact(SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3]);
    DenoiseSpec spec = DenoiseSpec.builder(List.of("a cat", "a dog"), 4,
            Schedulers.create("lcm", model.schedulerConfig()), new LatentStart.Noise(gaussian(count, 5)), SHAPE)
        .guidanceScale(8.5).stepNoise(NoiseSource.of(new TorchGenerator(9))).build();
    return new StableDiffusionPipeline(model, backend).denoise(spec);
  }
}
