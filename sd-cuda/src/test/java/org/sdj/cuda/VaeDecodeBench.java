package org.sdj.cuda;

import java.util.Random;
import java.util.function.BiFunction;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.model.AutoencoderTinyConfig;
import org.sdj.model.vae.AutoencoderKL;
import org.sdj.model.vae.AutoencoderTiny;

/**
 * Times the VAE decode of one 512x512 image (SD 1.5's published VAE config, seeded random fp16 weights, a 64x64
 * latent) op by op, with the memory it takes and an op-by-op profile, for scripts/gpu-check.sh: the decode is a
 * quarter of a whole txt2img's time on an H200. With the argument {@code taesd}, TAESD's decoder in its place (the
 * published architecture). Not a unit test: run with {@code java ... org.sdj.cuda.VaeDecodeBench [taesd]}.
 */
public final class VaeDecodeBench {
  private VaeDecodeBench() {}

  public static void main(String[] args) throws Exception {
    boolean taesd = args.length > 0 && args[0].equals("taesd");
    AutoencoderKLConfig cfg = RandomSd15.config("vae/config.json", AutoencoderKLConfig::read);
    try (CudaBackend backend = new CudaBackend(CudaOptions.defaults())) {
      System.out.println(backend.description());
      BiFunction<Ops, Tensor, Tensor> vae;
      if (taesd) {
        AutoencoderTiny tiny = RandomSd15.model(backend, w -> new AutoencoderTiny(AutoencoderTinyConfig.published(4,
            64), w, false, true));
        vae = tiny::decode;
      } else {
        AutoencoderKL kl = RandomSd15.model(backend, w -> new AutoencoderKL(cfg, w));
        vae = kl::decode;
      }
      float[] latent = new float[4 * 64 * 64];
      Random r = new Random(3);
      for (int i = 0; i < latent.length; i++) {
        latent[i] = (float) r.nextGaussian();
      }
      long weights = backend.allocations().inUse().current();
      try (Ops scope = backend.ops()) {
        Tensor z = scope.fromHost(latent, 1, 4, 64, 64);
        for (int i = 0; i < 2; i++) {
          decode(backend, vae, z);
        }
        backend.sync();
        backend.allocations().resetPeaks();
        int runs = 5;
        double[] perDecode = new double[5];
        for (int round = 0; round < perDecode.length; round++) {
          long start = System.nanoTime();
          for (int i = 0; i < runs; i++) {
            decode(backend, vae, z);
          }
          backend.sync();
          perDecode[round] = (System.nanoTime() - start) / 1e6 / runs;
        }
        float[] image;
        try (Ops last = backend.ops()) {
          image = last.toHost(vae.apply(last, z));
        }
        int bad = RandomSd15.nonFinite(image);
        System.out.printf("%s decode (1x4x64x64 -> 512x512, fp16), op by op: %s, %d non-finite values; %d MiB"
            + " of weights, %d MiB more in use at the peak%n", taesd ? "taesd" : "vae", Spread.of(perDecode).format(2),
            bad, weights >> 20,
            (backend.allocations().inUse().peak() - weights) >> 20);
        System.out.print(CudaOpProfile.run(backend, ops -> vae.apply(ops, z)));
      }
    }
  }

  /** One decode in its own scope, its activations back to the cache afterwards. */
  private static void decode(CudaBackend backend, BiFunction<Ops, Tensor, Tensor> vae, Tensor z) {
    try (Ops scope = backend.ops()) {
      vae.apply(scope, z);
    }
  }
}
