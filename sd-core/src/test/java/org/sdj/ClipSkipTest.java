package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.image.GenerationInfo;
import org.sdj.io.TestFixtures;

/**
 * AUTOMATIC1111's "Clip skip": N > 1 conditions on the text encoder's output N - 1 layers before its last, through its
 * final layer norm. So clip skip 2 must give exactly what the same weights give with a text encoder one layer shorter.
 */
class ClipSkipTest {
  @TempDir Path dir;

  @Test
  void clipSkipTwoIsTheTextEncoderWithoutItsLastLayer() throws IOException {
    Path shorter = TestFixtures.copy("tiny-sd1", dir.resolve("tiny-sd1-short-clip"));
    Path config = shorter.resolve("text_encoder/config.json");
    String json = Files.readString(config);
    assertTrue(json.matches("(?s).*\"num_hidden_layers\"\\s*:\\s*3.*"), json);
    Files.writeString(config, json.replaceFirst("\"num_hidden_layers\"\\s*:\\s*3", "\"num_hidden_layers\": 2"));
    GenerationResult skipped;
    GenerationResult full;
    try (StableDiffusion sd = TinyModel.open()) {
      skipped = sd.generate(TinyModel.small("a lighthouse at night").clipSkip(2));
      full = sd.generate(TinyModel.small("a lighthouse at night"));
    }
    GenerationResult cut;
    try (StableDiffusion sd = StableDiffusion.builder().model(shorter).backend("reference").build()) {
      cut = sd.generate(TinyModel.small("a lighthouse at night"));
    }
    assertArrayEquals(cut.latents(), skipped.latents());
    assertFalse(Arrays.equals(full.latents(), skipped.latents()), "clip skip 2 changed nothing");
  }

  @Test
  void theInfotextCarriesItAsA1111Does() {
    try (StableDiffusion sd = TinyModel.open()) {
      GenerationResult skipped = sd.generate(TinyModel.small("x").steps(1).clipSkip(2));
      assertEquals(2, skipped.parameters().clipSkip());
      GenerationInfo info = GenerationInfo.parse(skipped.parameters().infotext());
      assertEquals("2", info.extras().get(GenerationParameters.CLIP_SKIP));
      GenerationResult plain = sd.generate(TinyModel.small("x").steps(1));
      assertEquals(1, plain.parameters().clipSkip());
      assertFalse(plain.parameters().infotext().contains(GenerationParameters.CLIP_SKIP), "A1111 leaves out 1");
    }
  }
}
