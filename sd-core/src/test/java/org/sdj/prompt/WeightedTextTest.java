package org.sdj.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The examples AUTOMATIC1111 documents for {@code parse_prompt_attention}, and the edges around them. */
class WeightedTextTest {
  @Test
  void a1111sDocumentedExamples() {
    assertRuns("normal text", "normal text", 1.0);
    assertRuns("an (important) word", "an ", 1.0, "important", 1.1, " word", 1.0);
    assertRuns("(unbalanced", "unbalanced", 1.1);
    assertRuns("\\(literal\\]", "(literal]", 1.0);
    assertRuns("(unnecessary)(parens)", "unnecessaryparens", 1.1);
    assertRuns("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
        "a ", 1.0, "house", 1.573, " ", 1.1, "on", 1.0, " a ", 1.1, "hill", 0.55, ", sun, ", 1.1, "sky", 1.4641,
        ".", 1.1);
  }

  @Test
  void edges() {
    assertRuns("", "", 1.0);
    assertRuns("ratio 16:9, (x:y)", "ratio 16:9, ", 1.0, "x:y", 1.1);
    assertRuns("[[faint]] (bold:-0.5)", "faint", 1 / 1.21, " ", 1.0, "bold", -0.5);
    assertRuns("closing) and] alone", "closing) and] alone", 1.0);
    assertRuns("a \\ b \\\\ c", "a  b \\ c", 1.0);
    assertRuns("(x:1.2.3)", "x:1.2.3)", 1.1);
  }

  @Test
  void breakEndsAChunkEvenInsideBrackets() {
    List<WeightedText> runs = WeightedText.parse("a cat BREAK  a dog (on BREAK grass)");
    assertEquals(6, runs.size(), runs.toString());
    assertEquals("a cat", runs.get(0).text());
    assertTrue(runs.get(1).isBreak());
    assertEquals(new WeightedText("a dog ", 1.0), runs.get(2));
    assertEquals(new WeightedText("on", 1.1), runs.get(3));
    assertTrue(runs.get(4).isBreak());
    assertEquals(new WeightedText("grass", 1.1), runs.get(5));
    assertEquals(1, WeightedText.parse("BREAKFAST").size(), "only the word BREAK");
  }

  @Test
  void syntaxNames() {
    assertEquals(PromptSyntax.A1111, PromptSyntax.parse("a1111"));
    assertEquals(PromptSyntax.PLAIN, PromptSyntax.parse("Plain"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PromptSyntax.parse("compel")).getMessage()
        .contains("plain or a1111"));
  }

  /** {@code expected}: text, weight, text, weight, ... */
  private static void assertRuns(String prompt, Object... expected) {
    List<WeightedText> runs = WeightedText.parse(prompt);
    assertEquals(expected.length / 2, runs.size(), prompt + " -> " + runs);
    for (int i = 0; i < runs.size(); i++) {
      assertEquals(expected[2 * i], runs.get(i).text(), prompt + " -> " + runs);
      assertEquals(((Number) expected[2 * i + 1]).doubleValue(), runs.get(i).weight(), 1e-12, prompt + " -> " + runs);
    }
  }
}
