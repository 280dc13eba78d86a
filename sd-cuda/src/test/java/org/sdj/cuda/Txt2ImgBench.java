package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.cuCtxSetCurrent;
import static org.bytedeco.cuda.global.cudart.cuDevicePrimaryCtxRelease;
import static org.bytedeco.cuda.global.cudart.cuDevicePrimaryCtxRetain;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.sdj.backend.DType;
import org.sdj.io.checkpoint.ModelFamily;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.DenoiseSpec;
import org.sdj.pipeline.LatentStart;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.RandomModelFolder;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.scheduler.Schedulers;

/**
 * A whole 512x512, 20-step txt2img (PNDM, classifier-free guidance) of an SD 1.5-size model with seeded random F16
 * weights on the CUDA backend (with {@code sdxl}: SDXL base's, 1024x1024, Euler, its 6.9 GB folder written first),
 * for scripts/gpu-check.sh: the time per step and in all, and the device memory at its
 * peak above the started backend (sampled every 2 ms by another thread on the same context; it includes the
 * libraries' code and buffers), and sdj's own allocations at their peak. Through the pipeline's float API, so that the bundle's runtime needs no java.desktop. The
 * model folder (2.1 GB) is written on first use under {@code java.io.tmpdir}. Run with
 * {@code java ... org.sdj.cuda.Txt2ImgBench}.
 */
public final class Txt2ImgBench {
  private Txt2ImgBench() {}

  public static void main(String[] args) throws Exception {
    ModelFamily family = args.length > 0 ? ModelFamily.parse(args[0]) : ModelFamily.SD_1;
    try (CudaBackend backend = new CudaBackend(CudaOptions.defaults())) {
      System.out.println(backend.description());
      Path dir = modelFolder(family);
      try (MemoryPeak peak = new MemoryPeak()) {
        run(backend, dir, family);
        System.out.printf("device memory at peak: %d MiB above the started backend (its context and handles)%n",
            peak.peakAboveBaseline() >> 20);
      }
    }
  }

  /** The random folder of {@code family}, written on first use. */
  private static Path modelFolder(ModelFamily family) throws IOException {
    long t0 = System.nanoTime();
    String name = family == ModelFamily.SD_1 ? "sd15" : family.id();
    Path dir = RandomModelFolder.cached(Path.of(System.getProperty("java.io.tmpdir"), "sdj-" + name + "-random-f16"),
        RandomModelFolder.Configs.published(family), DType.F16, 15, "sdj GPU check: random " + family.id());
    System.out.printf("model folder ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    return dir;
  }

  private static void run(CudaBackend backend, Path dir, ModelFamily family) {
    boolean xl = family == ModelFamily.SDXL;
    int side = xl ? 128 : 64;
    String scheduler = xl ? "euler" : "pndm";
    long t0 = System.nanoTime();
    try (PipelineComponents model = PipelineComponents.load(dir, LoadOptions.defaults(), backend)) {
      StableDiffusionPipeline pipeline = new StableDiffusionPipeline(model, backend);
      System.out.printf("loaded in %.1f s (weights uploaded as the components are built); sdj's allocations: %d MiB%n",
          (System.nanoTime() - t0) / 1e9, backend.allocations().inUse().current() >> 20);
      backend.allocations().resetPeaks();
      for (int run = 1; run <= 2; run++) {
        long[] shape = {1, 4, side, side};
        float[] noise = new float[4 * side * side];
        Random r = new Random(run);
        for (int i = 0; i < noise.length; i++) {
          noise[i] = (float) r.nextGaussian();
        }
        DenoiseSpec spec = DenoiseSpec.builder(List.of("a photograph of an astronaut riding a horse"), 20,
            Schedulers.create(scheduler, model.schedulerConfig()), new LatentStart.Noise(noise), shape).build();
        // The loop does not wait for the device; reading step 2's estimate does, so the time from there to the end
        // is the device's time for the model calls after the second (the replay is captured by then). PNDM makes 21
        // calls for 20 steps (its first step takes two); Euler 20.
        long[] afterSecond = new long[2];
        long start = System.nanoTime();
        float[] latents = pipeline.denoise(spec, (step, total, t, estimate) -> {
          if (step == 2) {
            estimate.get();
            afterSecond[0] = System.nanoTime();
            afterSecond[1] = total - 2;
          }
        });
        long denoised = System.nanoTime();
        float[] image = pipeline.decode(latents, shape);
        long end = System.nanoTime();
        double mean = 0;
        for (float v : image) {
          mean += v;
        }
        int nonFinite = RandomSd15.nonFinite(image);
        double steady = (denoised - afterSecond[0]) / 1e6 / afterSecond[1];
        System.out.printf("run %d (%s, %dx%d): %.2f s in all, 20 steps %.2f s (%.1f ms per model call after the"
            + " second), VAE decode %.0f ms; image mean %.3f, %d non-finite values%n", run, family.id(), 8 * side,
            8 * side, (end - start) / 1e9,
            (denoised - start) / 1e9, steady, (end - denoised) / 1e6, mean / image.length, nonFinite);
        System.out.printf("run %d: sdj's device memory at peak: %d MiB in use (weights, tensors, workspaces, replay"
            + " buffers: torch.cuda.max_memory_allocated), %d MiB reserved (with the caches' idle blocks)%n", run,
            backend.allocations().inUse().peak() >> 20, backend.allocations().reserved().peak() >> 20);
      }
    }
  }

  /** Samples the device's used memory on the primary context from a daemon thread until closed. */
  private static final class MemoryPeak implements AutoCloseable {
    private final CUctx_st context = new CUctx_st();
    private final long baseline;
    private final AtomicLong peak = new AtomicLong();
    private final Thread sampler;
    private volatile boolean done;

    MemoryPeak() {
      Cu.check(cuDevicePrimaryCtxRetain(context, 0), "cuDevicePrimaryCtxRetain");
      Cu.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
      baseline = DeviceUse.bytes();
      sampler = Thread.ofPlatform().daemon().start(() -> {
        Cu.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        while (!done) {
          peak.accumulateAndGet(DeviceUse.bytes(), Math::max);
          try {
            Thread.sleep(2);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
    }

    long peakAboveBaseline() {
      return peak.get() - baseline;
    }

    @Override
    public void close() throws InterruptedException {
      done = true;
      sampler.join();
      cuDevicePrimaryCtxRelease(0);
    }
  }
}
