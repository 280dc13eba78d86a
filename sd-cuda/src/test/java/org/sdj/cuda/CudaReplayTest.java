package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Ops;
import org.sdj.backend.Replay;
import org.sdj.backend.Tensor;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.pipeline.PipelineComponents;

/**
 * A UNet step replayed from a CUDA graph gives what the same step gives op by op, at every timestep of a short loop
 * and again after the input shapes change; the tiny fixture model, random inputs fresh each call.
 */
class CudaReplayTest {
  private static CudaBackend backend;
  private static UNet2DConditionModel unet;

  @BeforeAll
  static void load() {
    CudaTestSupport.assumeCuda();
    backend = new CudaBackend(CudaOptions.defaults());
    unet = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(), backend).unet();
  }

  @AfterAll
  static void close() {
    if (backend != null) {
      backend.close();
    }
  }

  @Test
  void replayMatchesOpByOp() {
    Random random = new Random(System.nanoTime());
    try (Replay replay = backend.replay((ops, in) -> unet.forward(ops, in.get(0), in.get(1), in.get(2)))) {
      CudaReplay graph = assertInstanceOf(CudaReplay.class, replay);
      int[] batches = {2, 2, 2, 2, 1, 1, 1};
      double[] timesteps = {999, 761, 500, 1, 999, 500, 1};
      for (int call = 0; call < batches.length; call++) {
        int n = batches[call];
        try (Ops ops = backend.ops()) {
          Tensor sample = ops.fromHost(gaussian(random, n * 4 * 16 * 16), n, 4, 16, 16);
          Tensor context = ops.fromHost(gaussian(random, n * 77 * 32), n, 77, 32);
          Tensor time = unet.timestepProjection(ops, timesteps[call], n);
          float[] expected = ops.toHost(unet.forward(ops, sample, timesteps[call], context));
          float[] actual = ops.toHost(replay.run(ops, List.of(sample, time, context)));
          double err = TensorAssert.relativeL2(actual, expected);
          assertTrue(err <= 1e-3, "call " + call + " (batch " + n + ", t " + timesteps[call] + "): relative L2 "
              + err + " between the replay and the op-by-op step");
          boolean secondWithShapes = call == 1 || call == 5;
          if (secondWithShapes) {
            assertTrue(graph.recorded(), "the second call with the same shapes records a graph");
          }
          if (call == 4) {
            assertFalse(graph.recorded(), "new shapes drop the old graph");
          }
        }
      }
    }
  }

  @Test
  void optionOffRunsOpByOp() {
    try (CudaBackend plain = new CudaBackend(CudaOptions.defaults().withGraphs(false));
        Replay replay = plain.replay((ops, in) -> in.get(0))) {
      assertFalse(replay instanceof CudaReplay);
      try (Ops ops = plain.ops()) {
        Tensor x = ops.fromHost(new float[] {1, 2, 3}, 3);
        assertEquals(3, ops.toHost(replay.run(ops, List.of(x))).length);
      }
    }
  }

  private static float[] gaussian(Random random, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }
}
