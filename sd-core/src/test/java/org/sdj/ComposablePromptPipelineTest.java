package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.SdxlFixture;
import org.sdj.prompt.PromptSyntax;

/**
 * A1111's composable prompts through the public API: guidance {@code uncond + scale * sum(w_k (cond_k - uncond))},
 * checked where it reduces to plain guidance at another scale.
 */
class ComposablePromptPipelineTest extends TinyModelTest {
  private GenerationRequest.Builder request(String prompt, double guidance) {
    return GenerationRequest.prompt(prompt).negativePrompt("blurry").promptSyntax(PromptSyntax.A1111).size(64, 64)
        .steps(3).scheduler("euler").guidanceScale(guidance).seed(4);
  }

  @Test
  void partsAddTheirPulls() {
    float[] plain = sd.generate(request("a cat", 7.5)).latents();
    assertArrayEquals(plain, sd.generate(request("a cat:1", 7.5)).latents());
    // The same part twice pulls twice as hard; a weight of 0.5 half as hard.
    TensorAssert.assertTensorClose(sd.generate(request("a cat AND a cat", 3)).latents(),
        sd.generate(request("a cat", 6)).latents(), "a cat AND a cat at 3");
    TensorAssert.assertTensorClose(sd.generate(request("a cat:0.5", 7.5)).latents(),
        sd.generate(request("a cat", 3.75)).latents(), "a cat:0.5 at 7.5");
    float[] both = sd.generate(request("a cat AND a dog:0.5", 7.5)).latents();
    assertFalse(Arrays.equals(both, plain));
    // With prompt editing in a part (calls 0 and 1 "a dog", call 2 "a bird"), and on a batch.
    assertFalse(Arrays.equals(both, sd.generate(request("a cat AND [a dog:a bird:1]:0.5", 7.5)).latents()));
    assertTrue(sd.generate(request("a cat AND a dog", 7.5).batchSize(2)).latents().length == 2 * 4 * 8 * 8);
  }

  @Test
  void sdxlsPooledTextAndTimeIdsFollowTheGroups(@TempDir Path dir) {
    try (StableDiffusion sdxl = StableDiffusion.builder().model(SdxlFixture.model(dir)).backend("reference")
        .build()) {
      GenerationRequest.Builder request = GenerationRequest.prompt("a cat AND a cat").promptSyntax(PromptSyntax.A1111)
          .size(128, 128).steps(2).scheduler("euler").guidanceScale(2.5).seed(4);
      TensorAssert.assertTensorClose(sdxl.generate(request).latents(),
          sdxl.generate(request.prompt("a cat").guidanceScale(5)).latents(), "SDXL a cat AND a cat at 2.5");
    }
  }

  @Test
  void guidanceRescaleIsRefusedBesideParts() {
    Exception e = assertThrows(RuntimeException.class,
        () -> sd.generate(request("a cat AND a dog", 7.5).guidanceRescale(0.5)));
    assertTrue(e.getMessage().contains("guidance rescale"), e.getMessage());
  }
}
