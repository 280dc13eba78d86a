package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.cuda.CudaTestSupport.gaussian;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.Images;
import org.sdj.io.T2IAdapterFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.AdapterInput;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.LoadedT2IAdapter;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.scheduler.Schedulers;

/**
 * Two T2I-Adapters (a full and a light one, their feature maps summed; ReLU, the stride-2 average pool and the pixel
 * unshuffle) on the CUDA backend against the reference backend, at the model tolerance, the second adapter's window
 * ending halfway.
 */
class CudaT2IAdapterTest {
  private static final long[] SHAPE = {2, 4, 8, 8};

  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Test
  void agreesWithTheReference(@TempDir Path dir) {
    float[] expected;
    try (Backend reference = new ReferenceBackend()) {
      expected = latents(reference, dir);
    }
    try (Backend backend = createBackend()) {
      double err = TensorAssert.relativeL2(latents(backend, dir), expected);
      assertTrue(err <= 1e-2, "relative L2 " + err);
    }
  }

  private static float[] latents(Backend backend, Path dir) {
    try (PipelineComponents model = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(),
        backend);
        LoadedT2IAdapter full = LoadedT2IAdapter.load(T2IAdapterFixture.folder("tiny-adapter", dir),
            Optional.empty(), backend);
        LoadedT2IAdapter light = LoadedT2IAdapter.load(T2IAdapterFixture.folder("tiny-light-adapter", dir),
            Optional.empty(), backend)) {
      float[] image = Images.toUnitTensor(T2IAdapterFixture.ramp(64));
      int count = Math.toIntExact(SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3]);
      DenoiseSpec spec = DenoiseSpec.builder(List.of("a cat", "a dog"), 4,
              Schedulers.create("euler", model.schedulerConfig()), new LatentStart.Noise(gaussian(count, 17)), SHAPE)
          .negativePrompts(List.of("", "blurry"))
          .adapters(List.of(new AdapterInput(full.model(), image, 0.8, 0, 1),
              new AdapterInput(light.model(), image, 0.9, 0, 0.5))).build();
      return new StableDiffusionPipeline(model, backend).denoise(spec);
    }
  }
}
