package org.sdj.io.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipVisionConfigTest {
  @TempDir Path dir;

  private Path json(String text) throws IOException {
    return Files.writeString(Files.createTempFile(dir, "config", ".json"), text);
  }

  @Test
  void readsTheImageEncoderFixture() throws URISyntaxException {
    Path file = Path.of(ClipVisionConfigTest.class.getResource("/clip-vision/config.json").toURI());
    ClipVisionConfig config = ClipVisionConfig.read(file);
    assertEquals(new ClipVisionConfig(32, 37, 24, 2, 4, 32, 8, 3, "gelu", 1e-5), config);
    assertEquals(4, config.patchesPerSide());
    assertEquals(17, config.tokenCount());
  }

  @Test
  void absentKeysTakeTransformersDefaults() throws IOException {
    ClipVisionConfig config = ClipVisionConfig.read(json("{}"));
    assertEquals(new ClipVisionConfig(768, 3072, 512, 12, 12, 224, 32, 3, "quick_gelu", 1e-5), config);
    assertEquals(50, config.tokenCount());
  }

  @Test
  void readsTheVisionConfigOfAFullClipConfig() throws IOException {
    ClipVisionConfig config = ClipVisionConfig.read(json("""
        {"model_type": "clip", "projection_dim": 768, "text_config": {"hidden_size": 512},
         "vision_config": {"hidden_size": 1024, "intermediate_size": 4096, "projection_dim": 768,
                           "num_hidden_layers": 24, "num_attention_heads": 16, "patch_size": 14,
                           "model_type": "clip_vision_model"}}
        """));
    assertEquals(new ClipVisionConfig(1024, 4096, 768, 24, 16, 224, 14, 3, "quick_gelu", 1e-5), config);
    assertEquals(257, config.tokenCount());
  }

  @Test
  void everyBadValueIsReportedAtOnce() throws IOException {
    Path file = json("""
        {"vision_config": {"hidden_size": 30, "num_attention_heads": 4, "patch_size": "14", "image_size": null}}
        """);
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> ClipVisionConfig.read(file));
    assertEquals(3, e.problems().size(), e.getMessage());
    for (String key : new String[] {"num_attention_heads", "patch_size", "image_size"}) {
      assertTrue(e.problems().stream().anyMatch(p -> p.contains(key) && p.contains(file + " vision_config")), key);
    }
  }

  @Test
  void anotherModelTypeIsReported() throws IOException {
    Path file = json("{\"model_type\": \"siglip_vision_model\"}");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> ClipVisionConfig.read(file));
    assertTrue(e.getMessage().contains("siglip_vision_model"), e.getMessage());
  }
}
