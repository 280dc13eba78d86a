package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.cuda.CudaTestSupport.gaussian;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.model.vae.AutoencoderTiny;
import org.sdj.pipeline.LoadedTinyAutoencoder;

/**
 * TAESD on the CUDA backend against the reference backend, at the model tolerance: sd-core's tiny TAESD (ReLU
 * blocks with fused residuals, stride-2 convolutions without bias, the decoder's tanh bound and nearest enlargements).
 */
class CudaTinyAutoencoderTest {
  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @Test
  void decodesAndEncodesAsTheReference(@TempDir Path dir) throws IOException {
    Path folder = dir.resolve("tiny-taesd");
    Files.createDirectories(folder);
    for (String name : new String[] {"config.json", "diffusion_pytorch_model.safetensors"}) {
      try (InputStream in = CudaTinyAutoencoderTest.class.getResourceAsStream("/taesd/tiny-taesd/" + name)) {
        Files.copy(in, folder.resolve(name));
      }
    }
    float[] latents = gaussian(2 * 4 * 6 * 5, 21);
    for (int i = 0; i < latents.length; i++) {
      latents[i] *= 2.5f;
    }
    float[] picture = gaussian(3 * 40 * 48, 22);
    for (int i = 0; i < picture.length; i++) {
      picture[i] = Math.clamp(0.5f + 0.25f * picture[i], 0f, 1f);
    }
    BiFunction<Ops, AutoencoderTiny, Tensor> decode = (ops, t) -> t.decode(ops, ops.fromHost(latents, 2, 4, 6, 5));
    BiFunction<Ops, AutoencoderTiny, Tensor> encode = (ops, t) -> t.encode(ops, ops.fromHost(picture, 1, 3, 40, 48));
    float[][] expected;
    try (Backend reference = new ReferenceBackend()) {
      expected = run(folder, reference, decode, encode);
    }
    try (Backend backend = createBackend()) {
      float[][] actual = run(folder, backend, decode, encode);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i].length, actual[i].length);
        double error = TensorAssert.relativeL2(actual[i], expected[i]);
        assertTrue(error <= 1e-2, (i == 0 ? "decode" : "encode") + ": relative L2 " + error);
      }
    }
  }

  @SafeVarargs
  private static float[][] run(Path folder, Backend backend, BiFunction<Ops, AutoencoderTiny, Tensor>... passes) {
    try (LoadedTinyAutoencoder taesd = LoadedTinyAutoencoder.load(folder, Optional.empty(), backend)) {
      float[][] out = new float[passes.length][];
      for (int i = 0; i < passes.length; i++) {
        try (Ops ops = backend.ops()) {
          out[i] = ops.toHost(passes[i].apply(ops, taesd.model()));
        }
      }
      return out;
    }
  }
}
