package org.sdj.cuda;

import static org.sdj.cuda.CudaTestSupport.gaussian;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Backend;
import org.sdj.model.unet.FreeU;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.random.TorchGenerator;
import org.sdj.scheduler.NoiseSource;
import org.sdj.scheduler.Schedulers;

/**
 * FreeU on the CUDA backend against the reference backend, at the model tolerance: the skip connections' Fourier
 * filter (two small products with matrices uploaded in each call, so those calls run unrecorded) and the backbone's
 * scaled half, channels last, on odd-sized planes.
 */
class CudaFreeUTest {
  private static final long[] SHAPE = {1, 4, 12, 10};

  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Test
  void agreesWithTheReference() {
    CudaTestSupport.assertAgreesWithReference(this::createBackend, CudaFreeUTest::run);
  }

  private static float[] run(PipelineComponents model, Backend backend) {
    int count = Math.toIntExact(SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3]);
    DenoiseSpec spec = DenoiseSpec.builder(List.of("a cat"), 3, Schedulers.create("euler", model.schedulerConfig()),
            new LatentStart.Noise(gaussian(count, 5)), SHAPE)
        .negativePrompts(List.of("blurry")).stepNoise(NoiseSource.of(new TorchGenerator(9))).build();
    return new StableDiffusionPipeline(model, backend).withFreeU(Optional.of(FreeU.SD1)).denoise(spec);
  }
}
