package org.sdj.io.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.PipelineComponents;

/**
 * The tiny-sd1 fixture written as single files in the original layout must load to the same models as its diffusers
 * folder: UNet output, VAE decode and text encoder hidden state equal bit for bit on the reference backend.
 */
class SingleFileEquivalenceTest {
  private static final String PROMPT = "a photograph of an astronaut riding a horse";

  private static Backend backend;
  private static PipelineComponents folder;

  @BeforeAll
  static void loadFolder() {
    backend = new ReferenceBackend();
    folder = PipelineComponents.load(TinyCheckpoint.fixture(), LoadOptions.defaults(), backend);
  }

  @AfterAll
  static void close() {
    folder.close();
    backend.close();
  }

  static PipelineComponents load(Path file) {
    return PipelineComponents.load(
        SingleFileCheckpoint.open(file, CheckpointOptions.defaults().withConfig(TinyCheckpoint.fixture())), backend);
  }

  @Test
  void clipWithInnerTextModelGivesTheSameModels(@TempDir Path dir) {
    try (PipelineComponents single = load(new TinyCheckpoint().write(dir.resolve("tiny.safetensors")))) {
      assertSameTextEncoder(single);
      assertSameUnet(single);
      assertSameVaeDecode(single);
      assertEquals(folder.schedulerConfig(), single.schedulerConfig());
      assertArrayEquals(folder.first().orElseThrow().tokenizer().encode(PROMPT), single.first().orElseThrow().tokenizer().encode(PROMPT));
    }
  }

  @Test
  void clipWithoutInnerTextModelGivesTheSameTextEncoder(@TempDir Path dir) {
    Path file = new TinyCheckpoint().innerTextModel(false).write(dir.resolve("tiny.safetensors"));
    try (PipelineComponents single = load(file)) {
      assertSameTextEncoder(single);
    }
  }

  @Test
  void openClipWithFusedAttentionGivesTheSameTextEncoder(@TempDir Path dir) {
    try (PipelineComponents single = load(new TinyCheckpoint().openClip().write(dir.resolve("sd2.safetensors")))) {
      assertEquals(TinyCheckpoint.CLIP_LAYERS, single.first().orElseThrow().textEncoder().layerCount());
      assertSameTextEncoder(single);
    }
  }

  @Test
  void emaWeightsArePreferred(@TempDir Path dir) {
    try (PipelineComponents single = load(new TinyCheckpoint().ema().write(dir.resolve("ema.safetensors")))) {
      assertSameUnet(single);
    }
  }

  @Test
  void anIncompleteEmaSetIsNotUsed(@TempDir Path dir) {
    Path file = new TinyCheckpoint().partialEma(10).write(dir.resolve("partial-ema.safetensors"));
    try (PipelineComponents single = load(file)) {
      assertSameUnet(single);
    }
  }

  static void assertSameTextEncoder(PipelineComponents single) {
    int[] ids = folder.first().orElseThrow().tokenizer().encode(PROMPT);
    try (Ops ops = backend.ops()) {
      float[] expected = ops.toHost(folder.first().orElseThrow().textEncoder().forward(ops, ids, 1));
      assertArrayEquals(expected, ops.toHost(single.first().orElseThrow().textEncoder().forward(ops, ids, 1)), "last_hidden_state");
    }
  }

  private static void assertSameUnet(PipelineComponents single) {
    SplittableRandom random = new SplittableRandom(3);
    float[] sample = noise(random, 2 * 4 * 16 * 16);
    float[] context = noise(random, 2 * 77 * 32);
    try (Ops ops = backend.ops()) {
      Tensor x = ops.fromHost(sample, 2, 4, 16, 16);
      Tensor c = ops.fromHost(context, 2, 77, 32);
      float[] expected = ops.toHost(folder.unet().forward(ops, x, 501, c));
      assertArrayEquals(expected, ops.toHost(single.unet().forward(ops, x, 501, c)), "unet output");
    }
  }

  private static void assertSameVaeDecode(PipelineComponents single) {
    float[] latents = noise(new SplittableRandom(4), 4 * 16 * 16);
    try (Ops ops = backend.ops()) {
      Tensor z = ops.fromHost(latents, 1, 4, 16, 16);
      float[] expected = ops.toHost(folder.vae().decode(ops, z));
      assertArrayEquals(expected, ops.toHost(single.vae().decode(ops, z)), "decoded");
    }
  }

  private static float[] noise(SplittableRandom random, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }
}
