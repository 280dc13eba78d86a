package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sdj.prompt.PromptSyntax;

/**
 * A1111's prompt editing through the public API: where a schedule keeps one text for every call the picture is that
 * text's, bit for bit; where it switches, it is neither text's.
 */
class PromptEditingPipelineTest extends TinyModelTest {
  private float[] latents(String prompt, String negative) {
    return sd.generate(GenerationRequest.prompt(prompt).negativePrompt(negative).promptSyntax(PromptSyntax.A1111)
        .size(64, 64).steps(4).scheduler("euler").seed(3)).latents();
  }

  @Test
  void aScheduleThatKeepsOneTextIsThatText() {
    float[] cat = latents("a cat", "blurry");
    float[] dog = latents("a dog", "blurry");
    // When past the steps: the first text throughout; when 0: the second throughout.
    assertArrayEquals(cat, latents("a [cat:dog:10]", "blurry"));
    assertArrayEquals(dog, latents("a [cat:dog:0]", "blurry"));
    assertArrayEquals(cat, latents("a [cat|cat]", "blurry"));
    assertArrayEquals(cat, latents("a cat", "[blurry:dark:4]"));
    float[] switched = latents("a [cat:dog:2]", "blurry");
    assertFalse(Arrays.equals(switched, cat));
    assertFalse(Arrays.equals(switched, dog));
    assertFalse(Arrays.equals(cat, latents("a cat", "[blurry:dark:1]")), "the negative prompt is edited too");
  }

  @Test
  void plainSyntaxKeepsTheBracketsAsText() {
    GenerationRequest.Builder request = GenerationRequest.prompt("a [cat:dog:10]").size(64, 64).steps(2)
        .scheduler("euler").seed(3);
    assertFalse(Arrays.equals(sd.generate(request).latents(),
        sd.generate(request.prompt("a cat")).latents()));
  }
}
