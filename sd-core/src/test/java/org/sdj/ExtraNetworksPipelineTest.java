package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sdj.io.TestFixtures;
import org.sdj.prompt.PromptSyntax;

/**
 * A1111's {@code <lora:name:strength>} tags through the public API: taken out of the text, and checked against the
 * LoRAs the engine merged (by file name and strength).
 */
class ExtraNetworksPipelineTest {
  private static GenerationRequest.Builder request(String prompt) {
    return GenerationRequest.prompt(prompt).promptSyntax(PromptSyntax.A1111).size(64, 64).steps(2)
        .scheduler("euler").seed(9);
  }

  @Test
  void aMergedLorasTagIsTakenOutOfTheText() throws URISyntaxException {
    Path lora = Path.of(ExtraNetworksPipelineTest.class.getResource("/lora/kohya-lora.safetensors").toURI());
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .lora(lora, 0.8).build()) {
      GenerationResult tagged = sd.generate(request("a cat <lora:kohya-lora:0.8>"));
      assertArrayEquals(sd.generate(request("a cat ")).latents(), tagged.latents());
      assertTrue(tagged.parameters().infotext().startsWith("a cat <lora:kohya-lora:0.8>"),
          "the infotext keeps the tag, as A1111's: " + tagged.parameters().infotext());
      assertRefused(sd, "a cat <lora:other:0.8>", "no LoRA named other");
      assertRefused(sd, "a cat <lora:kohya-lora:1>", "merged kohya-lora at 0.8");
      assertRefused(sd, "a cat <lora:kohya-lora:0.8:0.4>", "give one strength");
      assertRefused(sd, "a cat <hypernet:h:1>", "hypernet network");
      // diffusers' syntax reads the tag as text.
      assertFalse(Arrays.equals(sd.generate(request("a cat ").promptSyntax(PromptSyntax.PLAIN)).latents(),
          sd.generate(request("a cat <lora:kohya-lora:0.8>").promptSyntax(PromptSyntax.PLAIN)).latents()));
    }
  }

  private static void assertRefused(StableDiffusion sd, String prompt, String part) {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd.generate(request(prompt)));
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}
