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
import org.sdj.io.ControlNetFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.ControlInput;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.LoadedControlNet;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.scheduler.Schedulers;

/**
 * A ControlNet on the CUDA backend against the reference backend, at the model tolerance: the tiny ControlNet
 * (sd-core's {@code src/test/resources/controlnet}) steering the tiny model for the middle two of four steps, so that
 * the loop replays the UNet alone and the ControlNet with the UNet, in one batch with guidance.
 */
class CudaControlNetTest {
  private static final long[] SHAPE = {2, 4, 8, 8};

  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Test
  void agreesWithTheReference(@TempDir Path dir) {
    Path controlNet = ControlNetFixture.folder(dir);
    float[] expected;
    try (Backend reference = new ReferenceBackend()) {
      expected = latents(reference, controlNet);
    }
    try (Backend backend = createBackend()) {
      double err = TensorAssert.relativeL2(latents(backend, controlNet), expected);
      assertTrue(err <= 1e-2, "relative L2 " + err);
    }
  }

  private static float[] latents(Backend backend, Path controlNet) {
    try (PipelineComponents model = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(),
        backend); LoadedControlNet control = LoadedControlNet.load(controlNet, Optional.empty(),
            model.unet().config(), backend)) {
      float[] image = Images.toUnitTensor(Images.resize(ControlNetFixture.image(), 64, 64));
      int count = Math.toIntExact(SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3]);
      DenoiseSpec spec = DenoiseSpec.builder(List.of("a cat", "a dog"), 4,
              Schedulers.create("euler", model.schedulerConfig()), new LatentStart.Noise(gaussian(count, 11)), SHAPE)
          .negativePrompts(List.of("", "blurry"))
          .controls(List.of(new ControlInput(control.model(), image, 0.8, 0.25, 0.75))).build();
      return new StableDiffusionPipeline(model, backend).denoise(spec);
    }
  }
}
