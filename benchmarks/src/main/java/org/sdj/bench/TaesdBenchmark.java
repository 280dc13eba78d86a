package org.sdj.bench;

import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.AutoencoderTinyConfig;
import org.sdj.model.Weights;
import org.sdj.model.vae.AutoencoderTiny;

/**
 * TAESD's decoder (the published architecture: four stages of 64 channels) with seeded random F16 weights, from a
 * 64x64 latent to a 512x512 picture: what {@code ModelBenchmark.vaeDecode512} does with SD's VAE.
 */
public class TaesdBenchmark extends BackendBenchmark {
  private AutoencoderTiny taesd;
  private float[] latent;

  @Setup(Level.Trial)
  public void setup() {
    open();
    AutoencoderTinyConfig config = AutoencoderTinyConfig.published(4, 64);
    Map<String, long[]> shapes = new TreeMap<>();
    new AutoencoderTiny(config, Weights.recording(shapes), false, true);
    // Gains near one: the ReLU chains keep their activations in range, as trained weights do.
    taesd = new AutoencoderTiny(config, RandomWeights.f16Model(opened, arena, shapes, 0.9), false, true);
    latent = RandomWeights.normal(4 * 64 * 64, 1, 3);
  }

  @Benchmark
  public void taesdDecode512() {
    try (Ops scope = opened.ops(); Tensor x = scope.fromHost(latent, 1, 4, 64, 64)) {
      taesd.decode(scope, x);
    }
  }
}
