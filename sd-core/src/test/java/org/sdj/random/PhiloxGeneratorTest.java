package org.sdj.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sdj.SdjException;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * torch's CUDA randn as AUTOMATIC1111's "NV" source draws it, against {@code src/test/resources/philox} (made by its
 * {@code make_philox_reference.py.txt} with A1111's {@code rng_philox.py}): each generator's successive draws.
 */
class PhiloxGeneratorTest {
  static Stream<Arguments> generators() {
    return Stream.of(Arguments.of(0L, new long[][] {{3, 4}, {4, 8, 8}, {4, 8, 8}}),
        Arguments.of(1L, new long[][] {{5}}), Arguments.of(42L, new long[][] {{4, 64, 64}, {4, 64, 64}}),
        Arguments.of(4294967295L, new long[][] {{2, 4, 9, 9}}), Arguments.of(123456789012L, new long[][] {{37}, {1}}));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("generators")
  void drawsAsAutomatic1111sNvSource(long seed, long[][] shapes) throws URISyntaxException {
    PhiloxGenerator generator = new PhiloxGenerator(seed);
    try (SafeTensorsFile expected = SafeTensorsFile.open(Path.of(PhiloxGeneratorTest.class
        .getResource("/philox/expected.safetensors").toURI()))) {
      for (int call = 0; call < shapes.length; call++) {
        String name = "seed " + seed + " call " + call;
        assertArrayEquals(expected.get(name).toFloatArray(), generator.randn(shapes[call]), name);
      }
    }
  }

  /** torch 2.x on an NVIDIA GPU: {@code torch.manual_seed(0); torch.randn(3, 4, device="cuda")}, as A1111 quotes it. */
  @Test
  void seedZeroIsTorchsCudaNoise() {
    float[] x = new PhiloxGenerator(0).randn(3, 4);
    double[] torch = {-0.92466259, -0.42534415, -2.6438457, 0.14518388, -0.12086647, -0.57972564, -0.62285122,
        -0.32838709, -1.07454231, -0.36314407, -1.67105067, 2.26550497};
    for (int i = 0; i < torch.length; i++) {
      assertEquals(torch[i], x[i], 1e-6, "element " + i);
    }
  }

  @Test
  void aCopyDrawsOnWithoutAdvancingTheOriginal() {
    PhiloxGenerator generator = new PhiloxGenerator(7);
    generator.randn(10);
    PhiloxGenerator copy = generator.copy();
    float[] ahead = copy.randn(20);
    assertArrayEquals(ahead, generator.randn(20));
    assertEquals(7, copy.seed());
    assertEquals(0, new PhiloxGenerator(3).randn(0).length);
    assertThrows(SdjException.class, () -> generator.randn(-1));
  }
}
