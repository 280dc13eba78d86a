package org.sdj.io.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.DType;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsWriter;
import org.sdj.io.safetensors.ShardedSafeTensors;
import org.sdj.io.safetensors.TensorSource;

class DiffusersFolderTest {
  @TempDir Path dir;

  @Test
  void tinyFixtureLoads() {
    Path root = TestFixtures.path("tiny-sd1");
    DiffusersFolder folder = DiffusersFolder.open(root);
    try (folder) {
      assertEquals("StableDiffusionPipeline", folder.modelIndex().className());
      assertEquals(List.of(32, 64, 64), folder.unetConfig().blockOutChannels());
      assertEquals(0.18215, folder.vaeConfig().scalingFactor());
      assertEquals(3, folder.textEncoder().orElseThrow().config().numHiddenLayers());
      assertEquals(root.resolve("tokenizer"), folder.textEncoder().orElseThrow().tokenizerDirectory());
      assertEquals("PNDMScheduler", folder.schedulerConfig().get("_class_name").textValue());
      assertEquals(root.resolve("unet/diffusion_pytorch_model.safetensors"), folder.weightsFile(Component.UNET));
      assertEquals(root.resolve("text_encoder/model.safetensors"), folder.weightsFile(Component.TEXT_ENCODER));
      TensorSource unet = folder.weights(Component.UNET);
      assertEquals(494, unet.names().size());
      assertTrue(unet == folder.weights(Component.UNET), "opened once");
      assertTrue(folder.weights(Component.TEXT_ENCODER)
          .contains("text_model.embeddings.token_embedding.weight"));
      assertTrue(folder.weights(Component.VAE).contains("decoder.conv_in.weight"));
    }
    assertThrows(IllegalStateException.class, () -> folder.weights(Component.UNET));
  }

  @Test
  void schedulerConfigCopiesCannotChangeTheFolder() {
    try (DiffusersFolder folder = DiffusersFolder.open(TestFixtures.path("tiny-sd1"))) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) folder.schedulerConfig()).put("_class_name", "Other");
      assertEquals("PNDMScheduler", folder.schedulerConfig().get("_class_name").textValue());
    }
  }

  @Test
  void problemsOfSeveralFilesAreReportedTogether() throws IOException {
    Path model = layout();
    deleteTree(model.resolve("scheduler"));
    Files.writeString(model.resolve("model_index.json"), "{\"unet\": [\"diffusers\", \"UNet2DConditionModel\"]}");
    Files.writeString(model.resolve("unet/config.json"), "{\"in_channels\": 4,");
    Files.delete(model.resolve("tokenizer/merges.txt"));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> DiffusersFolder.open(model));
    assertEquals(4, e.problems().size(), e.getMessage());
    assertTrue(e.problems().get(0).startsWith("model_index.json: _class_name is missing"), e.getMessage());
    assertTrue(e.problems().get(1).startsWith("unet/config.json: not valid JSON"), e.getMessage());
    assertTrue(e.problems().get(2).startsWith("tokenizer/merges.txt: file not found"), e.getMessage());
    assertTrue(e.problems().get(3).startsWith("scheduler/: folder missing"), e.getMessage());
    assertTrue(e.getMessage().startsWith("Cannot load the diffusers model in " + model + " (4 problems):\n  - "));
    assertEquals(5, e.getMessage().lines().count());
  }

  @Test
  void notAFolder() {
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> DiffusersFolder.open(dir.resolve("none")));
    assertTrue(e.problems().getFirst().contains("not a folder"));
  }

  @Test
  void pickleOnlyComponentIsExplained() throws IOException {
    Path model = layout();
    Files.delete(model.resolve("text_encoder/model.safetensors"));
    Files.write(model.resolve("text_encoder/pytorch_model.bin"), new byte[] {1, 2, 3});
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> DiffusersFolder.open(model));
    assertEquals(1, e.problems().size(), e.getMessage());
    String problem = e.problems().getFirst();
    assertTrue(problem.startsWith("text_encoder/pytorch_model.bin: PyTorch pickle"), problem);
    assertTrue(problem.contains("later version") && problem.contains("convert them to model.safetensors"), problem);
  }

  @Test
  void variantIsChosenWhenAskedAndPlainWeightsOtherwise() throws IOException {
    Path model = layout();
    weights(model.resolve("unet/diffusion_pytorch_model.fp16.safetensors"), "conv_in.weight", DType.F16);
    try (DiffusersFolder plain = DiffusersFolder.open(model)) {
      assertEquals(DType.F32, plain.weights(Component.UNET).get("conv_in.weight").dtype());
    }
    try (DiffusersFolder fp16 = DiffusersFolder.open(model, LoadOptions.defaults().withVariant("fp16"))) {
      assertEquals(model.resolve("unet/diffusion_pytorch_model.fp16.safetensors"), fp16.weightsFile(Component.UNET));
      assertEquals(DType.F16, fp16.weights(Component.UNET).get("conv_in.weight").dtype());
      // The VAE has no fp16 file: diffusers falls back to its plain weights, and so does sdj.
      assertEquals(model.resolve("vae/diffusion_pytorch_model.safetensors"), fp16.weightsFile(Component.VAE));
    }
  }

  @Test
  void aVariantNoComponentHasIsRefusedAsDiffusersRefusesIt() throws IOException {
    Path model = layout();
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> DiffusersFolder.open(model, LoadOptions.defaults().withVariant("fp61")));
    assertEquals(1, e.problems().size(), e.getMessage());
    assertTrue(e.problems().getFirst().startsWith("variant fp61: no component has fp61 weights"), e.getMessage());
    assertTrue(e.problems().getFirst().contains("plain weights only"), e.getMessage());
    weights(model.resolve("vae/diffusion_pytorch_model.fp16.safetensors"), "w", DType.F16);
    e = assertThrows(ModelLoadException.class,
        () -> DiffusersFolder.open(model, LoadOptions.defaults().withVariant("fp61")));
    assertTrue(e.problems().getFirst().contains("variant(s) [fp16]"), e.getMessage());
  }

  @Test
  void variantOnlyFolderNeedsTheVariant() throws IOException {
    Path model = layout();
    Files.move(model.resolve("vae/diffusion_pytorch_model.safetensors"),
        model.resolve("vae/diffusion_pytorch_model.fp16.safetensors"));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> DiffusersFolder.open(model));
    assertTrue(e.problems().getFirst().startsWith("vae/: no weights found"), e.getMessage());
    assertTrue(e.problems().getFirst().contains("[fp16]"), e.getMessage());
    try (DiffusersFolder fp16 = DiffusersFolder.open(model, LoadOptions.defaults().withVariant("fp16"))) {
      assertTrue(fp16.weights(Component.VAE).contains("w"));
    }
  }

  @Test
  void shardedWeightsAreReadThroughTheirIndex() throws IOException {
    Path model = layout();
    Path unet = model.resolve("unet");
    Files.delete(unet.resolve("diffusion_pytorch_model.safetensors"));
    weights(unet.resolve("diffusion_pytorch_model-00001-of-00002.safetensors"), "a", DType.F32);
    weights(unet.resolve("diffusion_pytorch_model-00002-of-00002.safetensors"), "b", DType.F32);
    Files.writeString(unet.resolve("diffusion_pytorch_model.safetensors.index.json"), """
        {"metadata": {"total_size": 8}, "weight_map": {
          "a": "diffusion_pytorch_model-00001-of-00002.safetensors",
          "b": "diffusion_pytorch_model-00002-of-00002.safetensors"}}
        """);
    weights(unet.resolve("diffusion_pytorch_model.fp16-00001-of-00001.safetensors"), "h", DType.F16);
    Files.writeString(unet.resolve("diffusion_pytorch_model.safetensors.index.fp16.json"),
        "{\"weight_map\": {\"h\": \"diffusion_pytorch_model.fp16-00001-of-00001.safetensors\"}}");
    try (DiffusersFolder folder = DiffusersFolder.open(model)) {
      TensorSource source = folder.weights(Component.UNET);
      assertInstanceOf(ShardedSafeTensors.class, source);
      assertEquals(Set.of("a", "b"), source.names());
    }
    try (DiffusersFolder folder = DiffusersFolder.open(model, LoadOptions.defaults().withVariant("fp16"))) {
      assertEquals(Set.of("h"), folder.weights(Component.UNET).names());
    }
  }

  @Test
  void clipWeightsWithOrWithoutTextModelPrefixBothLoad() throws IOException {
    for (String name : List.of("text_model.embeddings.token_embedding.weight", "embeddings.token_embedding.weight")) {
      Path model = layout();
      weights(model.resolve("text_encoder/model.safetensors"), name, DType.F32);
      try (DiffusersFolder folder = DiffusersFolder.open(model)) {
        assertEquals(Set.of(name), folder.weights(Component.TEXT_ENCODER).names());
      }
      deleteTree(model);
    }
  }

  @Test
  void unknownKeysAndExtraFoldersAreIgnored() throws IOException {
    Path model = layout();
    Path config = model.resolve("unet/config.json");
    Files.writeString(config, Files.readString(config).replaceFirst("\\{", "{\"future_key\": [1, {\"x\": null}],"));
    Files.createDirectories(model.resolve("safety_checker"));
    Files.createDirectories(model.resolve("unet/onnx"));
    Files.write(model.resolve("unet/diffusion_flax_model.msgpack"), new byte[1]);
    try (DiffusersFolder folder = DiffusersFolder.open(model)) {
      assertEquals(List.of(32, 64, 64), folder.unetConfig().blockOutChannels());
      assertFalse(folder.modelIndex().components().containsKey("safety_checker"));
    }
  }

  @Test
  void invalidVariantName() {
    assertThrows(IllegalArgumentException.class, () -> LoadOptions.defaults().withVariant("../fp16"));
  }

  /** A copy of the tiny fixture's configs and tokenizer with one-tensor weights, in a fresh folder. */
  private Path layout() throws IOException {
    Path source = TestFixtures.path("tiny-sd1");
    Path model = Files.createTempDirectory(dir, "model");
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path target = model.resolve(source.relativize(file).toString());
        Files.createDirectories(target.getParent());
        if (file.toString().endsWith(".safetensors")) {
          weights(target, "w", DType.F32);
        } else {
          Files.copy(file, target);
        }
      }
    }
    weights(model.resolve("unet/diffusion_pytorch_model.safetensors"), "conv_in.weight", DType.F32);
    return model;
  }

  private static void weights(Path file, String name, DType dtype) {
    SafeTensorsWriter.create().add(name, dtype, new long[] {2}, new float[] {1, 2}).write(file);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
