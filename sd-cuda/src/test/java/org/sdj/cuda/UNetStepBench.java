package org.sdj.cuda;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.checkpoint.ModelFamily;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.model.Weights;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.pipeline.RandomModelFolder;

/**
 * Times one classifier-free-guidance UNet step of SD 1.5's architecture (its published config, seeded random weights
 * in fp16 on the device, batch 2, 64x64 latent, 77 context tokens) for scripts/gpu-check.sh, with the device memory
 * it took; benchmarks/torch/unet_step.py times PyTorch eager on the same network. Steps are enqueued back to back and
 * the stream is synchronized only around the timed loop, as the denoising loop runs. Not a unit test: run with
 * {@code java ... org.sdj.cuda.UNetStepBench [steps]}.
 */
public final class UNetStepBench {
  private UNetStepBench() {}

  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    Path config = Files.createTempFile("sd15-unet", ".json");
    Files.writeString(config, ModelFamily.SD_1.publishedConfig("unet/config.json"));
    UNet2DConditionConfig cfg = UNet2DConditionConfig.read(config);
    Files.delete(config);
    try (CudaBackend backend = new CudaBackend(CudaOptions.defaults())) {
      System.out.println(backend.description());
      long before = DeviceUse.bytes();
      long t0 = System.nanoTime();
      UNet2DConditionModel unet;
      try (Arena host = Arena.ofShared()) {
        Weights w = RandomModelFolder.inMemory(backend, host, 15, weights -> new UNet2DConditionModel(cfg, weights));
        unet = new UNet2DConditionModel(cfg, w);
        if (!w.problems().isEmpty()) {
          throw new IllegalStateException("weights: " + w.problems());
        }
      }
      System.out.printf("weights generated and uploaded in %.1f s; device memory %d MiB after upload%n",
          (System.nanoTime() - t0) / 1e9, (DeviceUse.bytes() - before) >> 20);
      Random r = new Random(1);
      float[] sample = new float[2 * 4 * 64 * 64];
      float[] context = new float[2 * 77 * 768];
      for (int i = 0; i < sample.length; i++) {
        sample[i] = (float) r.nextGaussian();
      }
      for (int i = 0; i < context.length; i++) {
        context[i] = (float) r.nextGaussian();
      }
      try (Ops scope = backend.ops()) {
        Tensor x = scope.fromHost(sample, 2, 4, 64, 64);
        Tensor c = scope.fromHost(context, 2, 77, 768);
        for (int i = 0; i < 3; i++) {
          step(backend, unet, x, c);
        }
        backend.sync();
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          step(backend, unet, x, c);
        }
        // Enqueueing as long as running means the host (launch overhead) is the limit, not the GPU.
        double enqueueMs = (System.nanoTime() - start) / 1e6 / steps;
        backend.sync();
        double ms = (System.nanoTime() - start) / 1e6 / steps;
        float[] out;
        try (Ops last = backend.ops()) {
          out = last.toHost(unet.forward(last, x, 500, c));
        }
        int bad = 0;
        for (float v : out) {
          bad += Float.isFinite(v) ? 0 : 1;
        }
        System.out.printf("unet step (CFG batch 2, 64x64, fp16): %.3f ms  (%.1f steps/s), %d non-finite outputs; the"
            + " host enqueued a step in %.3f ms%n", ms, 1000 / ms, bad, enqueueMs);
        System.out.printf("device memory: %d MiB in use now, activation cache peak %d MiB%n",
            (DeviceUse.bytes() - before) >> 20, backend.activations().peakBytes() >> 20);
      }
    }
  }

  /** One step in its own scope, so that its activations go back to the cache as a denoising loop's do. */
  private static void step(CudaBackend backend, UNet2DConditionModel unet, Tensor x, Tensor c) {
    try (Ops scope = backend.ops()) {
      unet.forward(scope, x, 500, c);
    }
  }
}
