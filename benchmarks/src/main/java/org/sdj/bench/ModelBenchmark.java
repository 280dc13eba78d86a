package org.sdj.bench;

import java.io.IOException;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.model.Weights;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.model.vae.AutoencoderKL;

/**
 * Whole models of SD 1.5's architecture with random F16 weights ({@link Sd15}): one UNet forward at a 64x64 latent
 * with batch 2 (a classifier-free-guidance step) and the VAE decoder from a 64x64 latent to a 512x512 image.
 */
public class ModelBenchmark extends BackendBenchmark {
  private SafeTensorsFile unetFile;
  private SafeTensorsFile vaeFile;
  private UNet2DConditionModel unet;
  private AutoencoderKL vae;
  private float[] sample;
  private float[] context;
  private float[] latent;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    open();
    Path dir = Sd15.cached(DType.F16);
    unetFile = SafeTensorsFile.open(dir.resolve("unet/diffusion_pytorch_model.safetensors"));
    vaeFile = SafeTensorsFile.open(dir.resolve("vae/diffusion_pytorch_model.safetensors"));
    unet = new UNet2DConditionModel(UNet2DConditionConfig.read(dir.resolve("unet/config.json")),
        Weights.of(opened, unetFile));
    vae = new AutoencoderKL(AutoencoderKLConfig.read(dir.resolve("vae/config.json")), Weights.of(opened, vaeFile));
    sample = RandomWeights.normal(2 * 4 * 64 * 64, 1, 1);
    context = RandomWeights.normal(2 * 77 * 768, 1, 2);
    latent = RandomWeights.normal(4 * 64 * 64, 1, 3);
  }

  @Benchmark
  public void unetStep() {
    try (Ops scope = opened.ops()) {
      Tensor x = scope.fromHost(sample, 2, 4, 64, 64);
      Tensor c = scope.fromHost(context, 2, 77, 768);
      unet.forward(scope, x, 500, c);
    }
  }

  @Benchmark
  public void vaeDecode512() {
    try (Ops scope = opened.ops()) {
      vae.decode(scope, scope.fromHost(latent, 1, 4, 64, 64));
    }
  }

  @TearDown(Level.Trial)
  public void closeFiles() {
    opened.close();
    unetFile.close();
    vaeFile.close();
  }
}
