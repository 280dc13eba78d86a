package org.sdj.upscale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.backend.Backend;
import org.sdj.backend.Backends;
import org.sdj.backend.DType;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.TestPictures;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * {@link ModelUpscaler} against a torch ESRGAN network and AUTOMATIC1111's upscaling around it
 * ({@code src/test/resources/esrgan}, made by its {@code make_esrgan_reference.py.txt}): the network's output at the
 * float32 tolerance, in both file layouts and with pixel unshuffle; the tiled pictures within two levels of 255 (8-bit
 * pictures on both sides, whose float ties may round apart).
 */
class ModelUpscalerTest {
  private static Backend backend;

  @BeforeAll
  static void open() {
    backend = Backends.open("reference");
  }

  @AfterAll
  static void close() {
    backend.close();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"tiny-x4.pth, forward x4, input, 12, 10", "tiny-x4-old.pth, forward x4, input, 12, 10",
      "tiny-x2.safetensors, forward x2, input, 12, 10", "tiny-x2.safetensors, forward x2 odd, input odd, 11, 9",
      "tiny-compact-x4.pth, forward compact, input, 12, 10"})
  void runsTheNetworkAsTorch(String file, String expected, String input, int height, int width) throws Exception {
    try (ModelUpscaler upscaler = ModelUpscaler.load(resource(file), backend)) {
      TensorAssert.assertTensorClose(upscaler.forward(expected(input), width, height), expected(expected), expected);
      assertEquals(file.contains("x2") ? 2 : 4, upscaler.scale());
      assertEquals(file.substring(0, file.indexOf('.')), upscaler.name());
    }
  }

  @Test
  void enlargesTileByTileAsA1111() throws Exception {
    BufferedImage picture = TestPictures.pattern(40, 30, false);
    try (ModelUpscaler x4 = ModelUpscaler.load(resource("tiny-x4.pth"), backend);
        ModelUpscaler x2 = ModelUpscaler.load(resource("tiny-x2.safetensors"), backend)) {
      assertPicture("enlarge x4 tiles 16/4", x4.enlarge(picture, new UpscaleTiles(16, 4)));
      assertPicture("enlarge x2 whole", x2.enlarge(picture, UpscaleTiles.WHOLE));
      try (ModelUpscaler compact = ModelUpscaler.load(resource("tiny-compact-x4.pth"), backend)) {
        assertPicture("enlarge compact whole", compact.enlarge(picture, UpscaleTiles.WHOLE));
      }
      BufferedImage upscaled = x4.upscale(picture, 2.5, new UpscaleTiles(16, 4));
      assertEquals(96, upscaled.getWidth());
      assertPicture("upscale x4 by 2.5", upscaled);
    }
  }

  /** A1111's tile positions: spread evenly, the last against the edge, one tile for a side the tile covers. */
  @Test
  void placesTilesAsSplitGrid() {
    assertArrayEquals(new int[] {0, 160, 320}, UpscaleGrid.starts(512, 192, 8));
    assertArrayEquals(new int[] {0, 12, 24}, UpscaleGrid.starts(40, 16, 4));
    assertArrayEquals(new int[] {-92}, UpscaleGrid.starts(100, 192, 8));
    assertArrayEquals(new int[] {-12}, UpscaleGrid.starts(4, 16, 8), "A1111 makes none; sdj one");
  }

  @Test
  void refusesWhatIsNotAnEsrganNetwork(@TempDir Path dir) throws IOException {
    Path other = dir.resolve("other.safetensors");
    SafeTensorsWriter.create().add("encoder.weight", DType.F32, new long[] {1}, new float[] {1}).write(other);
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelUpscaler.load(other, backend));
    assertTrue(e.getMessage().contains("not an ESRGAN network"), e.getMessage());
    Path eightTimes = dir.resolve("8x.safetensors");
    SafeTensorsWriter.create().add("model.0.weight", DType.F32, new long[] {1, 3, 3, 3}, new float[27])
        .add("model.12.weight", DType.F32, new long[] {1}, new float[1]).write(eightTimes);
    e = assertThrows(ModelLoadException.class, () -> ModelUpscaler.load(eightTimes, backend));
    assertTrue(e.getMessage().contains("a layout sdj does not read") && e.getMessage().contains("model.12.weight"),
        e.getMessage());
    e = assertThrows(ModelLoadException.class, () -> ModelUpscaler.load(dir.resolve("missing.pth"), backend));
    assertTrue(e.getMessage().contains("file not found"), e.getMessage());
    Path broken = dir.resolve("broken.pth");
    Files.write(broken, new byte[] {1, 2, 3});
    assertThrows(RuntimeException.class, () -> ModelUpscaler.load(broken, backend));
  }

  private static void assertPicture(String name, BufferedImage picture) throws URISyntaxException {
    float[] actual = TestPictures.bytes(picture);
    float[] expected = expected(name);
    for (int i = 0; i < actual.length; i++) {
      actual[i] /= 255;
      expected[i] /= 255;
    }
    TensorAssert.assertImageClose(actual, expected, name);
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(ModelUpscalerTest.class.getResource("/esrgan/" + name).toURI());
  }

  private static float[] expected(String name) throws URISyntaxException {
    try (SafeTensorsFile file = SafeTensorsFile.open(resource("expected.safetensors"))) {
      return file.get(name).toFloatArray();
    }
  }
}
