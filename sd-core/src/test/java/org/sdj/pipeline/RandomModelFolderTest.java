package org.sdj.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.GenerationRequest;
import org.sdj.StableDiffusion;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.SdxlFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.checkpoint.ModelFamily;
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

  /** An SDXL folder's configs make a random SDXL, second text encoder and tokenizer included, that generates. */
  @Test
  void anSdxlFolderGetsItsSecondTextEncoder(@TempDir Path dir) throws Exception {
    RandomModelFolder.Configs tiny = RandomModelFolder.Configs.read(SdxlFixture.model(dir.resolve("source")));
    assertTrue(tiny.second().isPresent());
    // The random folder takes sdj's bundled CLIP vocabulary, so its text encoders need CLIP's vocab_size.
    RandomModelFolder.Configs configs = new RandomModelFolder.Configs(tiny.unet(), tiny.vae(),
        clipVocabulary(tiny.textEncoder()), tiny.scheduler(), tiny.tokenizer(), Optional.of(
            new RandomModelFolder.Configs.SecondEncoder(clipVocabulary(tiny.second().get().textEncoder()),
                tiny.second().get().tokenizer())));
    Path model = dir.resolve("random-sdxl");
    RandomModelFolder.write(model, configs, DType.F16, 4, "test");
    assertTrue(Files.isRegularFile(model.resolve("text_encoder_2/model.safetensors")));
    assertTrue(Files.isRegularFile(model.resolve("tokenizer_2/vocab.json")));
    try (StableDiffusion sd = StableDiffusion.builder().model(model).backend("reference").build()) {
      float[] latents = sd.generate(GenerationRequest.prompt("otter").size(64, 64).steps(1).seed(1)).latents();
      for (float v : latents) {
        assertTrue(Float.isFinite(v));
      }
    }
    assertTrue(RandomModelFolder.Configs.published(ModelFamily.SDXL).second().isPresent());
    assertTrue(RandomModelFolder.Configs.published(ModelFamily.SD_1).second().isEmpty());
  }

  private static String clipVocabulary(String textEncoderConfig) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(textEncoderConfig);
    return json.writeValueAsString(config.put("vocab_size", 49408));
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
