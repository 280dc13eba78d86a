package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sdj.prompt.PromptSyntax;

/** AUTOMATIC1111's prompt syntax end to end on the tiny model (reference backend). */
class PromptSyntaxTest extends TinyModelTest {
  @Test
  void aPromptWithoutSyntaxGivesExactlyThePlainResult() {
    GenerationRequest.Builder request = TinyModel.small("a lighthouse on a cliff, at dusk").negativePrompt("blurry");
    float[] plain = sd.generate(request).latents();
    float[] a1111 = sd.generate(request.promptSyntax(PromptSyntax.A1111)).latents();
    assertArrayEquals(plain, a1111);
  }

  @Test
  void weightsChangeTheResultAndArePlainTextWithoutTheSyntax() {
    float[] plain = sd.generate(TinyModel.small("a lighthouse")).latents();
    float[] weighted = sd.generate(TinyModel.small("a (lighthouse:1.6)").promptSyntax(PromptSyntax.A1111)).latents();
    float[] literal = sd.generate(TinyModel.small("a (lighthouse:1.6)")).latents();
    assertFalse(Arrays.equals(plain, weighted));
    assertFalse(Arrays.equals(weighted, literal));
    assertTrue(allFinite(weighted));
  }

  /**
   * Attention over a context repeated k times equals attention over it once. So against a prompt of three chunks, a
   * negative prompt of one chunk (repeated to three), of the same chunk twice (which runs apart: neither length
   * divides the other) and three times (one batch as it is) give one result.
   */
  @Test
  void contextsOfDifferentLengthsAgreeRepeatedApartOrJoint() {
    GenerationRequest.Builder request = TinyModel.small("a cat on a wall BREAK a dog in the grass BREAK a bird")
        .promptSyntax(PromptSyntax.A1111);
    float[] joint = sd.generate(request.negativePrompt("blurry BREAK blurry BREAK blurry")).latents();
    float[] repeated = sd.generate(request.negativePrompt("blurry")).latents();
    float[] apart = sd.generate(request.negativePrompt("blurry BREAK blurry")).latents();
    for (int i = 0; i < joint.length; i++) {
      assertEquals(joint[i], repeated[i], 1e-5, "repeated, latent " + i);
      assertEquals(joint[i], apart[i], 1e-5, "apart, latent " + i);
    }
    float[] unconditional = sd.generate(request.negativePrompt("blurry").guidanceScale(1)).latents();
    assertTrue(allFinite(unconditional));
  }

  @Test
  void aPromptOfMoreThanSixteenChunksIsRefused() {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd.generate(
        TinyModel.small("cat ".repeat(75 * 16 + 1)).promptSyntax(PromptSyntax.A1111)));
    assertTrue(e.getMessage().contains("17 chunks"), e.getMessage());
    InvalidRequestException huge = assertThrows(InvalidRequestException.class, () -> sd.generate(
        TinyModel.small("(cat:" + "9".repeat(60) + ")").promptSyntax(PromptSyntax.A1111)));
    assertTrue(huge.getMessage().contains("weight overflows"), huge.getMessage());
  }

  private static boolean allFinite(float[] x) {
    for (float v : x) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
