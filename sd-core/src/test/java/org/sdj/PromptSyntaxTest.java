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
   * A prompt of two chunks against a negative prompt of one runs the two halves of the batch apart. Attention over a
   * context repeated twice equals attention over it once, so a negative prompt whose two chunks are the same gives the
   * same result through the joint batch.
   */
  @Test
  void contextsOfDifferentLengthsRunApartAndAgreeWithTheJointBatch() {
    GenerationRequest.Builder request = TinyModel.small("a cat on a wall BREAK a dog in the grass")
        .promptSyntax(PromptSyntax.A1111);
    float[] apart = sd.generate(request.negativePrompt("blurry")).latents();
    float[] joint = sd.generate(request.negativePrompt("blurry BREAK blurry")).latents();
    assertEquals(apart.length, joint.length);
    for (int i = 0; i < apart.length; i++) {
      assertEquals(joint[i], apart[i], 1e-5, "latent " + i);
    }
    float[] unconditional = sd.generate(request.negativePrompt("blurry").guidanceScale(1)).latents();
    assertTrue(allFinite(unconditional));
  }

  @Test
  void aPromptOfMoreThanSixteenChunksIsRefused() {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd.generate(
        TinyModel.small("cat ".repeat(75 * 16 + 1)).promptSyntax(PromptSyntax.A1111)));
    assertTrue(e.getMessage().contains("17 chunks"), e.getMessage());
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
