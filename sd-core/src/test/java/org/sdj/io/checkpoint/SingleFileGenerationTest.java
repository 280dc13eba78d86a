package org.sdj.io.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.GenerationRequest;
import org.sdj.SdjException;
import org.sdj.StableDiffusion;

/** {@code StableDiffusion.builder().model(file)}: a single file generates what its diffusers folder generates. */
class SingleFileGenerationTest {
  @TempDir Path dir;

  @Test
  void generatesTheSameImageAsTheFolder() {
    Path file = new TinyCheckpoint().write(dir.resolve("tiny-model.safetensors"));
    GenerationRequest request = GenerationRequest.prompt("a red fox").steps(2).size(64, 64).seed(42).build();
    BufferedImage expected;
    try (StableDiffusion sd = StableDiffusion.builder().model(TinyCheckpoint.fixture()).backend("reference").build()) {
      expected = sd.generate(request).images().getFirst();
    }
    try (StableDiffusion sd = StableDiffusion.builder().model(file).config(TinyCheckpoint.fixture())
        .backend("reference").build()) {
      assertEquals("tiny-model", sd.modelName());
      BufferedImage image = sd.generate(request).images().getFirst();
      assertArrayEquals(expected.getRGB(0, 0, 64, 64, null, 0, 64), image.getRGB(0, 0, 64, 64, null, 0, 64));
    }
  }

  @Test
  void checkpointOptionsDoNotApplyToFolders() {
    SdjException e = assertThrows(SdjException.class, () -> StableDiffusion.builder().model(TinyCheckpoint.fixture())
        .family(ModelFamily.SD_1).backend("reference").build());
    assertTrue(e.getMessage().contains("single-file"), e.getMessage());
  }

  @Test
  void variantsDoNotApplyToFiles() {
    Path file = new TinyCheckpoint().write(dir.resolve("tiny.safetensors"));
    SdjException e = assertThrows(SdjException.class, () -> StableDiffusion.builder().model(file)
        .config(TinyCheckpoint.fixture()).variant("fp16").backend("reference").build());
    assertTrue(e.getMessage().contains("single file"), e.getMessage());
  }
}
