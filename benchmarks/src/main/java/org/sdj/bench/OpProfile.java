package org.sdj.bench;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sdj.backend.Backend;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.model.Weights;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.model.vae.AutoencoderKL;

/**
 * Where the time of one SD 1.5 UNet step (or VAE decode) goes, op by op: {@code OpProfile sdj-cpu|libtorch
 * [unet|vae]} runs the model of {@link Sd15} three times through an {@link Ops} that times every call, and prints
 * the third run's total per op and shape, largest first. A rough guide for where to optimize, not a benchmark: the
 * timing proxy adds a little to every call, and one run is one sample.
 */
public final class OpProfile {
  private OpProfile() {}

  public static void main(String[] args) throws IOException {
    String backendName = args.length > 0 ? args[0] : Backends.SDJ;
    boolean vae = args.length > 1 && args[1].equals("vae");
    Path dir = Sd15.cached(DType.F16);
    String component = vae ? "vae" : "unet";
    try (Backend backend = Backends.open(backendName);
        SafeTensorsFile file = SafeTensorsFile.open(dir.resolve(component + "/diffusion_pytorch_model.safetensors"))) {
      Weights weights = Weights.of(backend, file);
      Path config = dir.resolve(component + "/config.json");
      UNet2DConditionModel unet = vae ? null : new UNet2DConditionModel(UNet2DConditionConfig.read(config), weights);
      AutoencoderKL decoder = vae ? new AutoencoderKL(AutoencoderKLConfig.read(config), weights) : null;
      Map<String, double[]> totals = new LinkedHashMap<>();
      long total = 0;
      for (int run = 0; run < 3; run++) {
        totals.clear();
        long start = System.nanoTime();
        try (Ops real = backend.ops()) {
          Ops ops = timed(real, totals);
          if (vae) {
            decoder.decode(ops, ops.fromHost(RandomWeights.normal(4 * 64 * 64, 1, 3), 1, 4, 64, 64));
          } else {
            unet.forward(ops, ops.fromHost(RandomWeights.normal(2 * 4 * 64 * 64, 1, 1), 2, 4, 64, 64), 500,
                ops.fromHost(RandomWeights.normal(2 * 77 * 768, 1, 2), 2, 77, 768));
          }
        }
        total = System.nanoTime() - start;
      }
      System.out.printf("%s %s on %s: %.0f ms%n", vae ? "VAE decode 64x64 -> 512x512" : "UNet step 64x64 batch 2",
          "(SD 1.5, random F16 weights)", backendName, total / 1e6);
      totals.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
          .forEach(e -> System.out.printf("%9.1f ms %5.0f calls  %s%n", e.getValue()[0] / 1e6, e.getValue()[1],
              e.getKey()));
    }
  }

  /** {@code real}, with every call's time added to {@code totals} under its op name and main shapes. */
  private static Ops timed(Ops real, Map<String, double[]> totals) {
    return (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[] {Ops.class}, (proxy, m, args) -> {
      long start = System.nanoTime();
      Object result;
      try {
        result = m.invoke(real, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      double[] t = totals.computeIfAbsent(key(m, args), k -> new double[2]);
      t[0] += System.nanoTime() - start;
      t[1]++;
      return result;
    });
  }

  /** The op's name, with the input and weight shapes for the GEMM-like ops. */
  private static String key(Method m, Object[] args) {
    String name = m.getName();
    return switch (name) {
      case "conv2d" -> name + " " + Shapes.str(((Tensor) args[0]).shape()) + " * " + Shapes.str(((Tensor) args[1])
          .shape()) + (((Conv2dParams) args[3]).stride() > 1 ? " stride " + ((Conv2dParams) args[3]).stride() : "");
      case "linear", "attention" -> name + " " + Shapes.str(((Tensor) args[0]).shape()) + " * "
          + Shapes.str(((Tensor) args[1]).shape());
      default -> name;
    };
  }
}
