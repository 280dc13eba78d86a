package org.sdj.io.lora;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sdj.GenerationRequest;
import org.sdj.StableDiffusion;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * A kohya-format LoRA on every layer kind a LoRA trainer touches (201 layers of the tiny model: attention, feed-forward,
 * proj_in/out, resnet convolutions, time_emb_proj, and the text encoder's attention and MLP), merged by sdj, against
 * diffusers' own {@code load_lora_weights} + {@code fuse_lora} ({@code src/test/resources/lora}, made by its
 * {@code make_lora_reference.py.txt}): the same names, alphas and scale give the same picture.
 */
class LoraDiffusersTest {
  @Test
  void mergesAsDiffusersLoadsAndFusesIt() throws URISyntaxException {
    Path lora = resource("kohya-lora.safetensors");
    float[] expected;
    try (SafeTensorsFile file = SafeTensorsFile.open(resource("expected.safetensors"))) {
      expected = file.get("latents").toFloatArray();
    }
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .lora(lora, 0.8).build()) {
      float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(64, 64).steps(3).scheduler("euler").seed(11)).latents();
      TensorAssert.assertTensorClose(latents, expected, "tiny model with the LoRA at 0.8");
    }
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(LoraDiffusersTest.class.getResource("/lora/" + name).toURI());
  }
}
