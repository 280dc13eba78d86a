package org.sdj.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.model.Weights;
import org.sdj.model.unet.UNet2DConditionModel;

/** Random weights held in memory: every weight the model asks for, the same for the same seed, and a model that runs. */
class RandomModelFolderTest {
  private final UNet2DConditionConfig config =
      UNet2DConditionConfig.read(TestFixtures.path("tiny-sd1").resolve("unet/config.json"));

  @Test
  void inMemoryWeightsBuildARunnableModelTheSameForTheSameSeed() {
    try (Backend backend = new ReferenceBackend(); Arena arena = Arena.ofShared()) {
      Weights a = RandomModelFolder.inMemory(backend, arena, 7, w -> new UNet2DConditionModel(config, w));
      Weights b = RandomModelFolder.inMemory(backend, arena, 7, w -> new UNet2DConditionModel(config, w));
      UNet2DConditionModel unet = new UNet2DConditionModel(config, a);
      new UNet2DConditionModel(config, b);
      assertEquals(java.util.List.of(), a.problems());
      assertTrue(a.untaken().isEmpty(), () -> "untaken: " + a.untaken());
      Map<String, long[]> shapes = new TreeMap<>();
      new UNet2DConditionModel(config, Weights.recording(shapes));
      try (Ops ops = backend.ops()) {
        for (String name : new String[] {"conv_in.weight", "conv_in.bias", "conv_norm_out.weight"}) {
          long[] shape = shapes.get(name);
          float[] x = ops.toHost(a.get(name, shape));
          assertArrayEquals(x, ops.toHost(b.get(name, shape)), name);
          if (name.endsWith("bias")) {
            assertTrue(allEqual(x, 0f), name);
          } else if (name.contains("norm")) {
            assertTrue(allEqual(x, 1f), name);
          } else {
            assertTrue(!allEqual(x, x[0]), name);
          }
        }
        int channels = Math.toIntExact(shapes.get("conv_in.weight")[1]);
        int size = 8;
        Tensor out = unet.forward(ops, ops.fromHost(new float[channels * size * size], 1, channels, size, size), 10,
            ops.fromHost(new float[77 * config.crossAttentionDim().get(0)], 1, 77, config.crossAttentionDim().get(0)));
        for (float v : ops.toHost(out)) {
          assertTrue(Float.isFinite(v));
        }
      }
    }
  }

  @Test
  void cachedWritesTheFolderOnceAndLeavesNoTemporaryFolderBehind(@TempDir Path dir) throws Exception {
    Path fixture = TestFixtures.path("tiny-sd1");
    RandomModelFolder.Configs configs = RandomModelFolder.Configs.read(fixture);
    Path model = dir.resolve("models/tiny");
    assertEquals(model, RandomModelFolder.cached(model, configs, DType.F16, 3, "test"));
    Path marker = Files.writeString(model.resolve("marker"), "kept");
    RandomModelFolder.cached(model, configs, DType.F16, 3, "test");
    assertTrue(Files.exists(marker), "a second call must not write the folder again");
    try (var entries = Files.list(model.getParent())) {
      assertEquals(java.util.List.of(model), entries.toList());
    }
  }

  private static boolean allEqual(float[] x, float value) {
    for (float v : x) {
      if (v != value) {
        return false;
      }
    }
    return true;
  }

  @Test
  void readingTheConfigsOfAFolderWithoutThemNamesTheMissingFile(@TempDir Path dir) {
    var e = assertThrows(NoSuchFileException.class, () -> RandomModelFolder.Configs.read(dir));
    assertTrue(e.getMessage().endsWith("unet/config.json"), e.getMessage());
  }
}
