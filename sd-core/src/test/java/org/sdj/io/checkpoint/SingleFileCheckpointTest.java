package org.sdj.io.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.DType;
import org.sdj.io.model.Component;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsWriter;

/** Opening single files: missing and unknown tensors, files that are not checkpoints, options. */
class SingleFileCheckpointTest {
  @TempDir Path dir;

  private static CheckpointOptions tinyConfig() {
    return CheckpointOptions.defaults().withConfig(TinyCheckpoint.fixture());
  }

  @Test
  void missingTensorsAreListedTogether() {
    String unet = "model.diffusion_model.input_blocks.1.0.in_layers.2.weight";
    String vae = "first_stage_model.decoder.mid.attn_1.q.weight";
    String text = "cond_stage_model.transformer.text_model.encoder.layers.2.mlp.fc1.bias";
    Path file = new TinyCheckpoint().drop(unet).drop(vae).drop(text).write(dir.resolve("holes.safetensors"));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SingleFileCheckpoint.open(file, tinyConfig()));
    assertEquals(3, e.problems().size(), e.getMessage());
    for (String name : new String[] {unet, vae, text}) {
      assertTrue(e.problems().stream().anyMatch(p -> p.contains(name)), name + " in " + e.getMessage());
    }
  }

  @Test
  void aMisshapenTensorIsReportedWithBothNames() {
    Path file = new TinyCheckpoint().drop("first_stage_model.quant_conv.weight")
        .extra("first_stage_model.quant_conv.weight", 8, 8, 3, 3).write(dir.resolve("odd.safetensors"));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SingleFileCheckpoint.open(file, tinyConfig()));
    assertEquals(1, e.problems().size(), e.getMessage());
    assertTrue(e.problems().getFirst().contains("first_stage_model.quant_conv.weight has shape [8, 8, 3, 3]")
        && e.problems().getFirst().contains("quant_conv.weight"), e.getMessage());
  }

  @Test
  void unknownTensorsAreIgnored() {
    Path file = new TinyCheckpoint().extra("betas", 1000).extra("alphas_cumprod", 1000).extra("model_ema.decay")
        .extra("cond_stage_model.transformer.text_model.embeddings.position_ids", 1, 77)
        .extra("something.else.entirely", 3).write(dir.resolve("extras.safetensors"));
    try (SingleFileCheckpoint checkpoint = SingleFileCheckpoint.open(file, tinyConfig())) {
      assertEquals(Optional.empty(), checkpoint.family());
      assertEquals(494, checkpoint.weights(Component.UNET).names().size());
      assertTrue(checkpoint.weights(Component.TEXT_ENCODER).contains("text_model.final_layer_norm.weight"));
    }
  }

  @Test
  void viewsShareTheFileBytes() {
    Path file = new TinyCheckpoint().write(dir.resolve("tiny.safetensors"));
    try (SingleFileCheckpoint checkpoint = SingleFileCheckpoint.open(file, tinyConfig())) {
      SafeTensor q = checkpoint.weights(Component.VAE).get("decoder.mid_block.attentions.0.to_q.weight");
      assertEquals("decoder.mid_block.attentions.0.to_q.weight", q.name());
      assertEquals(2, q.shape().length);
      assertTrue(q.data().isMapped(), "a view of the mapped file, not a copy");
    }
  }

  @Test
  void aTinyModelWithoutConfigIsNotAPublishedArchitecture() {
    Path file = new TinyCheckpoint().write(dir.resolve("tiny.safetensors"));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SingleFileCheckpoint.open(file));
    assertTrue(e.getMessage().contains("32 wide") && e.getMessage().contains("config folder"), e.getMessage());
  }

  @Test
  void aPublishedFamilyThatDoesNotFitListsTheShapesAndCleansUp() throws Exception {
    Path file = new TinyCheckpoint().write(dir.resolve("tiny.safetensors"));
    long before = temporaryConfigFolders();
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> SingleFileCheckpoint.open(file, CheckpointOptions.defaults().withFamily(ModelFamily.SD_1)));
    assertTrue(e.problems().size() > 100, e.problems().size() + " problems");
    assertEquals(before, temporaryConfigFolders(), "the temporary config folder is deleted");
  }

  private static long temporaryConfigFolders() throws Exception {
    try (Stream<Path> list = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return list.filter(p -> p.getFileName().toString().startsWith("sdj-sd1-configs-")).count();
    }
  }

  @Test
  void filesThatAreNotCheckpoints() throws Exception {
    Path other = dir.resolve("other.safetensors");
    SafeTensorsWriter.create().add("encoder.weight", DType.F32, new long[] {2}, new float[2]).write(other);
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SingleFileCheckpoint.open(other));
    assertTrue(e.getMessage().contains("not a Stable Diffusion checkpoint"), e.getMessage());
    // A torch checkpoint is read through the restricted unpickler, then judged like any other file.
    Path ckpt = Path.of(SingleFileCheckpointTest.class.getResource("/org/sdj/io/ckpt/sd_style.ckpt").toURI());
    ModelLoadException pickle = assertThrows(ModelLoadException.class, () -> SingleFileCheckpoint.open(ckpt));
    assertTrue(pickle.getMessage().contains("not a Stable Diffusion checkpoint"), pickle.getMessage());
  }

  @Test
  void aConfigFolderWithoutConfigsIsReportedWhole() {
    Path file = new TinyCheckpoint().write(dir.resolve("tiny.safetensors"));
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> SingleFileCheckpoint.open(file, CheckpointOptions.defaults().withConfig(dir)));
    assertEquals(6, e.problems().size(), e.getMessage());
  }

  @Test
  void options() {
    assertThrows(IllegalArgumentException.class,
        () -> CheckpointOptions.defaults().withConfig(dir).withFamily(ModelFamily.SD_1));
    assertEquals(ModelFamily.SD_2_BASE, ModelFamily.parse("SD2-base"));
    assertEquals(ModelFamily.SDXL, ModelFamily.parse("SDXL"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFamily.parse("sd3"));
    assertTrue(e.getMessage().contains("sd1, sd2-base, sd2-v, sdxl"), e.getMessage());
  }
}
