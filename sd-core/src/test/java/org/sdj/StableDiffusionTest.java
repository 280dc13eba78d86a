package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.conformance.TensorAssert.assertImageClose;
import static org.sdj.conformance.TensorAssert.assertTensorClose;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.image.GenerationInfo;
import org.sdj.image.ImageFiles;
import org.sdj.io.StrictJson;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsFile;

/** The engine end to end on the tiny fixture model: conformance through the public API, results and their PNGs. */
class StableDiffusionTest extends TinyModelTest {
  @Test
  void reproducesTheFirstTxt2ImgCaseThroughThePublicApi() throws java.io.IOException {
    Path dir = TestFixtures.path("tiny-sd1-expected");
    JsonNode c = null;
    for (JsonNode candidate : StrictJson.readObject(dir.resolve("cases.json")).get("cases")) {
      if (candidate.path("kind").asText().equals("txt2img")) {
        c = candidate;
        break;
      }
    }
    assertTrue(c != null, "no txt2img case in " + dir);
    try (SafeTensorsFile expected = SafeTensorsFile.open(dir.resolve("expected.safetensors"))) {
      GenerationResult result = sd.generate(GenerationRequest.prompt(c.get("prompt").asText())
          .negativePrompt(c.path("negative_prompt").asText("")).steps(c.get("steps").asInt())
          .guidanceScale(c.get("guidance_scale").asDouble()).scheduler(c.get("scheduler").asText()).size(128, 128)
          .initialNoise(expected.get(c.get("init_noise").asText()).toFloatArray()));
      assertTensorClose(result.latents(), expected.get(c.get("final_latents").asText()).toFloatArray(),
          "final latents");
      float[] want = expected.get(c.get("image").asText()).toFloatArray();
      BufferedImage image = result.images().get(0);
      float[] got = new float[want.length];
      int plane = 128 * 128;
      for (int y = 0; y < 128; y++) {
        for (int x = 0; x < 128; x++) {
          int rgb = image.getRGB(x, y);
          for (int ch = 0; ch < 3; ch++) {
            got[ch * plane + y * 128 + x] = (rgb >> (16 - 8 * ch) & 0xff) / 255f;
          }
        }
      }
      assertImageClose(got, want, "image");
    }
  }

  @Test
  void fillsEveryDefaultFromTheModelAndReportsIt() {
    GenerationResult result = sd.generate(GenerationRequest.prompt("an otter").steps(1));
    GenerationParameters p = result.parameters();
    // The tiny UNet's sample_size is 16: 16 * 8 = 128 pixels.
    assertEquals(128, p.width());
    assertEquals(128, p.height());
    assertEquals("pndm", p.scheduler());
    assertEquals(GenerationRequest.DEFAULT_GUIDANCE, p.guidanceScale());
    assertEquals(1, p.batchSize());
    assertEquals(OptionalDouble.empty(), p.strength());
    assertEquals("tiny-sd1", p.model());
    assertEquals(128, result.images().get(0).getWidth());
    assertEquals(4 * 16 * 16, result.latents().length);
    assertEquals("tiny-sd1", sd.modelName());
    assertEquals("reference", sd.backendName());
    // The random seed it drew reproduces the run.
    GenerationResult again = sd.generate(GenerationRequest.prompt("an otter").steps(1).seed(p.seed()));
    assertEquals(p, again.parameters());
    assertEquals(java.util.Arrays.toString(result.latents()), java.util.Arrays.toString(again.latents()));
  }

  @Test
  void writesAPngWhoseParametersReadBack(@TempDir Path dir) {
    GenerationResult result = sd.generate(TinyModel.small("a \"quoted\", odd: prompt").negativePrompt("blur"));
    Path file = dir.resolve("out.png");
    result.write(0, file);
    GenerationInfo info = ImageFiles.readGenerationInfo(file).orElseThrow();
    assertEquals("a \"quoted\", odd: prompt", info.prompt());
    assertEquals("blur", info.negativePrompt());
    assertEquals(3, info.steps().getAsInt());
    assertEquals("Euler", info.sampler().orElseThrow());
    assertEquals("euler", info.scheduler().orElseThrow());
    assertEquals(7.5, info.cfgScale().getAsDouble());
    assertEquals(1, info.seed().getAsLong());
    assertEquals(new GenerationInfo.Size(64, 64), info.size().orElseThrow());
    assertEquals("tiny-sd1", info.model().orElseThrow());
    assertTrue(Files.isRegularFile(file));
  }

  @Test
  void aPreviewIsReadDuringItsStepOnly() {
    List<StepEvent> events = new ArrayList<>();
    sd.generate(TinyModel.small("a fox").listener(event -> {
      assertEquals(8, event.preview().getWidth());
      events.add(event);
    }));
    assertEquals(3, events.size());
    IllegalStateException late = assertThrows(IllegalStateException.class, () -> events.getFirst().preview());
    assertTrue(late.getMessage().contains("during"), late.getMessage());
  }

  @Test
  void aMissingModelFolderSaysSo(@TempDir Path dir) {
    Path missing = dir.resolve("no-such-model");
    SdjException e = assertThrows(SdjException.class,
        () -> StableDiffusion.builder().model(missing).backend("reference").build());
    assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("does not exist"),
        e.getMessage());
  }

  @Test
  void aFolderThatIsNotAModelSaysSo(@TempDir Path dir) {
    SdjException e = assertThrows(SdjException.class,
        () -> StableDiffusion.builder().model(dir).backend("reference").build());
    assertTrue(e.getMessage().contains("model_index.json") || e.getMessage().contains("unet"), e.getMessage());
  }

  @Test
  void aBuilderWithoutAModelSaysSo() {
    SdjException e = assertThrows(SdjException.class, () -> StableDiffusion.builder().build());
    assertTrue(e.getMessage().contains("model(...)"), e.getMessage());
  }
}
