package org.sdj.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdj.prompt.ComposablePrompt.Part;

/** A1111's {@code get_multicond_prompt_list}: parts at each word AND, trailing weights. */
class ComposablePromptTest {
  @Test
  void splitsAtTheWordAndReadsTrailingWeights() {
    // As Python's re reads A1111's patterns (printed there): trailing spaces go with the weight's match.
    assertEquals(List.of(new Part("a cat", 1.0), new Part(" a dog", 0.6)),
        ComposablePrompt.parts("a cat AND a dog:0.6"));
    assertEquals(List.of(new Part("a cat", 1.5)), ComposablePrompt.parts("a cat : 1.5"));
    assertEquals(List.of(new Part("(a cat:1.5)", 1.0)), ComposablePrompt.parts("(a cat:1.5)"));
    assertEquals(List.of(new Part("ANDROID and ANDes", 1.0)), ComposablePrompt.parts("ANDROID and ANDes"));
    assertEquals(List.of(new Part("x", 1.0), new Part(" y", -0.5), new Part(" z", 2.0)),
        ComposablePrompt.parts("x AND y:-.5 AND z :2."));
    assertTrue(ComposablePrompt.composes("x AND y"));
    assertTrue(ComposablePrompt.composes("x:1.2"));
    assertFalse(ComposablePrompt.composes("x:1"));
    assertFalse(ComposablePrompt.composes("a (cat:1.2)"));
  }
}
