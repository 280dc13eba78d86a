package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.cuda.CudaTestSupport.gaussian;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.ClipImageProcessor;
import org.sdj.io.ControlNetFixture;
import org.sdj.io.IpAdapterFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.ipadapter.IpAdapterFile;
import org.sdj.io.model.DiffusersFolder;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.ImagePromptInput;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.LoadedImageEncoder;
import org.sdj.pipeline.LoadedIpAdapter;
import org.sdj.pipeline.ModelExtras;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.scheduler.Schedulers;

/**
 * An IP-Adapter on the CUDA backend against the reference backend, at the model tolerance: the tiny IP-Adapter Plus
 * (sd-core's {@code src/test/resources/ip-adapter}) with its image encoder's penultimate states, the resampler and the
 * image tokens' own attention in every cross-attention block, in one batch with guidance.
 */
class CudaIpAdapterTest {
  private static final long[] SHAPE = {2, 4, 8, 8};

  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Test
  void agreesWithTheReference(@TempDir Path dir) {
    Path adapter = IpAdapterFixture.plus(dir);
    float[] expected;
    try (Backend reference = new ReferenceBackend()) {
      expected = latents(reference, adapter);
    }
    try (Backend backend = createBackend()) {
      double err = TensorAssert.relativeL2(latents(backend, adapter), expected);
      assertTrue(err <= 1e-2, "relative L2 " + err);
    }
  }

  private static float[] latents(Backend backend, Path adapter) {
    try (IpAdapterFile file = IpAdapterFile.open(adapter);
        PipelineComponents model = PipelineComponents.load(DiffusersFolder.open(TestFixtures.path("tiny-sd1"),
            LoadOptions.defaults()), backend, new ModelExtras(List.of(), List.of(), List.of(file)));
        LoadedImageEncoder encoder = LoadedImageEncoder.load(adapter.resolveSibling("image_encoder"), "the test",
            backend);
        LoadedIpAdapter loaded = LoadedIpAdapter.load(file, encoder, model.unet().config().crossAttentionDim(0),
            backend)) {
      float[] pixels = ClipImageProcessor.pixelValues(ControlNetFixture.image(), loaded.imageSize());
      int count = Math.toIntExact(SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3]);
      DenoiseSpec spec = DenoiseSpec.builder(List.of("a cat", "a dog"), 3,
              Schedulers.create("euler", model.schedulerConfig()), new LatentStart.Noise(gaussian(count, 13)), SHAPE)
          .negativePrompts(List.of("", "blurry")).imagePrompts(List.of(new ImagePromptInput(loaded, pixels, 0.8)))
          .build();
      return new StableDiffusionPipeline(model, backend).denoise(spec);
    }
  }
}
