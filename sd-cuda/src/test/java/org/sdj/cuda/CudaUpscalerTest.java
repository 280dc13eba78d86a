package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.cuda.CudaTestSupport.gaussian;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.upscale.ModelUpscaler;

/**
 * The upscalers on the CUDA backend against the reference backend, at the model tolerance: sd-core's tiny 4x ESRGAN
 * (LeakyReLU, dense concatenations, nearest enlargements) and its tiny compact network (PReLU in channels last).
 */
class CudaUpscalerTest {
  protected Backend createBackend() {
    CudaTestSupport.assumeCuda();
    return new CudaBackend(CudaOptions.defaults());
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-x4.pth", "tiny-compact-x4.pth"})
  void agreesWithTheReference(String name, @TempDir Path dir) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = CudaUpscalerTest.class.getResourceAsStream("/esrgan/" + name)) {
      Files.copy(in, file);
    }
    float[] picture = gaussian(3 * 20 * 18, 11);
    for (int i = 0; i < picture.length; i++) {
      picture[i] = 0.5f + 0.2f * picture[i];
    }
    float[] expected;
    try (Backend reference = new ReferenceBackend(); ModelUpscaler upscaler = ModelUpscaler.load(file, reference)) {
      expected = upscaler.forward(picture, 18, 20);
    }
    try (Backend backend = createBackend(); ModelUpscaler upscaler = ModelUpscaler.load(file, backend)) {
      float[] actual = upscaler.forward(picture, 18, 20);
      assertEquals(expected.length, actual.length);
      double error = TensorAssert.relativeL2(actual, expected);
      assertTrue(error <= 1e-2, "relative L2 " + error);
    }
  }
}
