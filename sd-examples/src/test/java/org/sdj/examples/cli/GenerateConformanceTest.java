package org.sdj.examples.cli;

import static org.sdj.conformance.TensorAssert.assertImageClose;
import static org.sdj.conformance.TensorAssert.assertTensorClose;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.DType;
import org.sdj.io.StrictJson;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * {@code sdj generate --init-noise} reproduces every {@code txt2img} case of the tiny model's fixtures, read from its
 * {@code cases.json} so that new cases run without code: the final latents from {@code --output-latents}, and the PNG's
 * 8-bit pixels against the expected image in [0, 1].
 */
class GenerateConformanceTest {
  @TempDir Path dir;

  @TestFactory
  Stream<DynamicTest> reproducesEveryTxt2ImgCase() throws IOException {
    Path cases = TestFixtures.path("tiny-sd1-expected");
    JsonNode json = StrictJson.readObject(cases.resolve("cases.json"));
    List<DynamicTest> tests = new ArrayList<>();
    int index = 0;
    for (JsonNode c : json.get("cases")) {
      if (c.path("kind").asText().equals("txt2img")) {
        int i = index;
        tests.add(DynamicTest.dynamicTest("txt2img " + c.get("scheduler").asText(),
            () -> check(c, cases.resolve("expected.safetensors"), cases.resolveSibling(json.get("model").asText()),
                dir.resolve("case-" + i))));
      }
      index++;
    }
    if (tests.isEmpty()) {
      throw new AssertionError("no txt2img case in " + cases.resolve("cases.json"));
    }
    return tests.stream();
  }

  private static void check(JsonNode c, Path expectedFile, Path model, Path work) throws IOException {
    Files.createDirectories(work);
    try (SafeTensorsFile expected = SafeTensorsFile.open(expectedFile)) {
      SafeTensor noise = expected.get(c.get("init_noise").asText());
      Path noiseFile = work.resolve("noise.safetensors");
      SafeTensorsWriter.create().add("noise", DType.F32, noise.shape(), noise.toFloatArray()).write(noiseFile);
      SafeTensor image = expected.get(c.get("image").asText());
      long[] imageShape = image.shape();
      Path png = work.resolve("out.png");
      Path latents = work.resolve("latents.safetensors");
      Sdj.run("generate", "--model", model.toString(), "--backend", "cpu", "--quiet",
          "--prompt", c.get("prompt").asText(), "--negative-prompt", c.path("negative_prompt").asText(""),
          "--scheduler", c.get("scheduler").asText(), "--steps", c.get("steps").asText(),
          "--guidance", c.get("guidance_scale").asText(),
          "--width", Long.toString(imageShape[3]), "--height", Long.toString(imageShape[2]),
          "--init-noise", noiseFile.toString(), "--output", png.toString(), "--output-latents", latents.toString())
          .assertSuccess();

      try (SafeTensorsFile written = SafeTensorsFile.open(latents)) {
        assertTensorClose(written.get("latents").toFloatArray(),
            expected.get(c.get("final_latents").asText()).toFloatArray(), "final latents");
      }
      assertImageClose(nchw(ImageIO.read(png.toFile())), image.toFloatArray(), "image");
    }
  }

  /** The 8-bit pixels of {@code image} as {@code [1, 3, H, W]} in [0, 1]. */
  private static float[] nchw(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[] out = new float[3 * w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        for (int ch = 0; ch < 3; ch++) {
          out[(ch * h + y) * w + x] = (rgb >> (16 - 8 * ch) & 0xff) / 255f;
        }
      }
    }
    return out;
  }
}
