package org.sdj.bench;

import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.esrgan.EsrganConfig;
import org.sdj.model.esrgan.RRDBNet;

/**
 * An ESRGAN upscaler of Real-ESRGAN's anime network's shape (64 features, growth 32, 6 blocks; x4plus has 23) with
 * seeded random F16 weights, on one 64x64 tile of a picture in [0, 1] (a third of A1111's 192-pixel tile per side):
 * the dense blocks' 3x3 convolutions over concatenations, and the two enlargements to 256x256.
 */
public class UpscalerBenchmark extends BackendBenchmark {
  private RRDBNet network;
  private float[] tile;

  @Setup(Level.Trial)
  public void setup() {
    open();
    EsrganConfig config = new EsrganConfig(3, 3, 64, 32, 6);
    Map<String, long[]> shapes = new TreeMap<>();
    new RRDBNet(config, Weights.recording(shapes));
    // Small weights, so that the 6 residual blocks keep the activations in range as trained ones do.
    network = new RRDBNet(config, RandomWeights.f16Model(opened, arena, shapes, 0.2));
    tile = RandomWeights.normal(3 * 64 * 64, 0.2, 7);
    for (int i = 0; i < tile.length; i++) {
      tile[i] += 0.5f;
    }
  }

  @Benchmark
  public void esrganTile64() {
    try (Ops scope = opened.ops(); Tensor x = scope.fromHost(tile, 1, 3, 64, 64)) {
      network.forward(scope, x);
    }
  }
}
