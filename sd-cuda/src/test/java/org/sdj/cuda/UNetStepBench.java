package org.sdj.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.sdj.backend.Ops;
import org.sdj.backend.Replay;
import org.sdj.backend.SeamlessOps;
import org.sdj.backend.Tensor;
import org.sdj.io.checkpoint.ModelFamily;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.model.unet.UNet2DConditionModel;

/**
 * Times one classifier-free-guidance UNet step of SD 1.5's architecture (its published config, seeded random weights
 * in fp16 on the device, batch 2, 64x64 latent, 77 context tokens) for scripts/gpu-check.sh, with the device memory
 * it took, op by op and replayed from a CUDA graph; benchmarks/torch/unet_step.py times PyTorch eager on the same
 * network. With {@code sdxl}, SDXL base's (128x128 latent, 2048-wide context, a random pooled text embedding and a
 * 1024x1024 picture's time ids). With {@code tiling}, the step of a seamless picture (every padded convolution
 * wrapped both ways, {@link SeamlessOps}). Steps are enqueued back to back and the stream is synchronized only around
 * the timed loop. Not a unit test: run with {@code java ... org.sdj.cuda.UNetStepBench [steps] [sd1|sdxl] [tiling]}.
 */
public final class UNetStepBench {
  private UNetStepBench() {}

  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    ModelFamily family = args.length > 1 ? ModelFamily.parse(args[1]) : ModelFamily.SD_1;
    boolean tiling = args.length > 2 && args[2].equals("tiling");
    UNet2DConditionConfig cfg = RandomSd15.config(family, "unet/config.json", UNet2DConditionConfig::read);
    int size = cfg.sampleSize().orElse(64);
    int width = cfg.crossAttentionDim(0);
    try (CudaBackend backend = new CudaBackend(CudaOptions.defaults())) {
      System.out.println(backend.description());
      long before = DeviceUse.bytes();
      long t0 = System.nanoTime();
      UNet2DConditionModel unet = RandomSd15.model(backend, w -> new UNet2DConditionModel(cfg, w));
      System.out.printf("weights generated and uploaded in %.1f s; device memory %d MiB after upload%n",
          (System.nanoTime() - t0) / 1e9, (DeviceUse.bytes() - before) >> 20);
      Random r = new Random(1);
      float[] sample = gaussian(r, 2 * 4 * size * size);
      float[] context = gaussian(r, 2 * 77 * width);
      Replay.Body body = (ops, in) -> unet.forward(SeamlessOps.wrap(ops, tiling, tiling), in.get(0), in.get(1),
          in.get(2), in.size() > 3 ? Optional.of(in.get(3)) : Optional.empty());
      try (Ops scope = backend.ops(); Replay graph = backend.replay(body); Replay direct = Replay.direct(body)) {
        List<Tensor> in = new ArrayList<>(List.of(scope.fromHost(sample, 2, 4, size, size),
            unet.timestepProjection(scope, 500, 2), scope.fromHost(context, 2, 77, width)));
        if (unet.takesAddedCondition()) {
          double pixels = 8.0 * size;
          double[] ids = {pixels, pixels, 0, 0, pixels, pixels, pixels, pixels, 0, 0, pixels, pixels};
          float[] added = unet.addedCondition(gaussian(r, 2 * unet.pooledTextWidth(UNet2DConditionModel.TIME_IDS)),
              ids, UNet2DConditionModel.TIME_IDS);
          in.add(scope.cast(scope.fromHost(added, 2, added.length / 2), backend.activationType()));
        }
        String what = family.id() + ", CFG batch 2, " + size + "x" + size + ", fp16" + (tiling ? ", seamless" : "");
        float[] opByOp = time(what + "), op by op", backend, direct, in, steps);
        float[] replayed = time(what + "), CUDA graph", backend, graph, in, steps);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < opByOp.length; i++) {
          diff += (double) (opByOp[i] - replayed[i]) * (opByOp[i] - replayed[i]);
          norm += (double) opByOp[i] * opByOp[i];
        }
        System.out.printf("CUDA graph vs op by op: relative L2 %.3g%n", Math.sqrt(diff / Math.max(norm, 1e-30)));
        double sum = 0;
        for (float x : replayed) {
          sum += x;
        }
        // The same seeded weights and inputs in every run: a variant (-Dsdj.cuda.*) whose figures differ from the
        // default's by more than float16 noise computes something else.
        System.out.printf("output: L2 norm %.6g, mean %.6g%n", Math.sqrt(norm), sum / replayed.length);
        System.out.printf("device memory: %d MiB in use now, activation cache peak %d MiB; sdj's reservations %d MiB"
            + " now (the rest: the libraries' code and buffers), %d MiB in use at peak%n", (DeviceUse.bytes() - before) >> 20,
            backend.activations().peakBytes() >> 20, backend.allocations().reserved().current() >> 20,
            backend.allocations().inUse().peak() >> 20);
        System.out.print(CudaOpProfile.run(backend, ops -> body.apply(ops, in)));
      }
    }
  }

  /** Rounds of timed steps: their spread shows how steady the figure is. */
  private static final int ROUNDS = 5;

  /**
   * Times {@link #ROUNDS} rounds of {@code steps} steps of {@code replay} enqueued back to back after 3 untimed ones,
   * prints the median per step with its spread and returns one more step's output.
   */
  private static float[] time(String how, CudaBackend backend, Replay replay, List<Tensor> in, int steps) {
    for (int i = 0; i < 3; i++) {
      step(backend, replay, in);
    }
    backend.sync();
    double[] perStep = new double[ROUNDS];
    double enqueueMs = 0;
    for (int round = 0; round < ROUNDS; round++) {
      long start = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        step(backend, replay, in);
      }
      // Enqueueing as long as running means the host (launch overhead) is the limit, not the GPU.
      enqueueMs = Math.max(enqueueMs, (System.nanoTime() - start) / 1e6 / steps);
      backend.sync();
      perStep[round] = (System.nanoTime() - start) / 1e6 / steps;
    }
    Spread spread = Spread.of(perStep);
    float[] out;
    try (Ops last = backend.ops()) {
      out = last.toHost(replay.run(last, in));
    }
    int bad = RandomSd15.nonFinite(out);
    System.out.printf("unet step (%s: %s, %.1f steps/s, %d non-finite outputs; the host enqueued a step in %.3f ms"
        + " at most%n", how, spread.format(3), 1000 / spread.median(), bad, enqueueMs);
    return out;
  }

  private static float[] gaussian(Random r, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) r.nextGaussian();
    }
    return out;
  }

  /** One step in its own scope, so that its activations go back to the cache as a denoising loop's do. */
  private static void step(CudaBackend backend, Replay replay, List<Tensor> in) {
    try (Ops scope = backend.ops()) {
      replay.run(scope, in);
    }
  }
}
