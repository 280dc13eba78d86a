package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.cuda.CudaTestSupport.gaussian;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.pipeline.PerturbedAttentionGuidance;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.random.TorchGenerator;
import org.sdj.scheduler.NoiseSource;
import org.sdj.scheduler.Schedulers;

/**
 * Perturbed-attention guidance on the CUDA backend against the reference backend, at the model tolerance: the
 * perturbed rows' identity attention through the fused q/k/v projection (its values alone), recorded and replayed, in
 * the mid block and the second up block, for a batch of two.
 */
class CudaPagTest {
  private static final long[] SHAPE = {2, 4, 8, 6};

  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Test
  void agreesWithTheReference() {
    try (Backend reference = new ReferenceBackend()) {
      double moved = TensorAssert.relativeL2(CudaTestSupport.onTinySd1(reference,
          (model, b) -> run(model, b, Optional.empty())), CudaTestSupport.onTinySd1(reference, CudaPagTest::run));
      assertTrue(moved > 0.05, "PAG moves the latents by " + moved + ": too little to tell it ran");
    }
    CudaTestSupport.assertAgreesWithReference(this::createBackend, CudaPagTest::run);
  }

  private static float[] run(PipelineComponents model, Backend backend) {
    return run(model, backend,
        Optional.of(PerturbedAttentionGuidance.DEFAULT.withLayers(List.of("mid", "up_blocks.1"))));
  }

  private static float[] run(PipelineComponents model, Backend backend, Optional<PerturbedAttentionGuidance> pag) {
    int count = Math.toIntExact(SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3]);
    DenoiseSpec spec = DenoiseSpec.builder(List.of("a cat", "a cat"), 3,
            Schedulers.create("euler", model.schedulerConfig()), new LatentStart.Noise(gaussian(count, 5)), SHAPE)
        .negativePrompts(List.of("blurry", "blurry")).stepNoise(NoiseSource.of(new TorchGenerator(9))).build();
    return new StableDiffusionPipeline(model, backend).withPag(pag).denoise(spec);
  }
}
