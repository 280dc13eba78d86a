package org.sdj.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdj.prompt.PromptEditing.Segment;

/** AUTOMATIC1111's prompt editing, against the doctests of its {@code prompt_parser.py}. */
class PromptEditingTest {
  private static List<Segment> g(String prompt) {
    return PromptEditing.schedule(prompt, 10);
  }

  private static List<Segment> s(Object... pairs) {
    List<Segment> out = new ArrayList<>();
    for (int i = 0; i < pairs.length; i += 2) {
      out.add(new Segment((Integer) pairs[i], (String) pairs[i + 1]));
    }
    return out;
  }

  @Test
  void a1111Doctests() {
    assertEquals(s(10, "test"), g("test"));
    assertEquals(s(3, "a ", 10, "a b"), g("a [b:3]"));
    assertEquals(s(3, "a ", 10, "a b"), g("a [b: 3]"));
    assertEquals(s(2, "a ", 10, "a [[b]]"), g("a [[[b]]:2]"));
    assertEquals(s(3, "", 10, "(a:2)"), g("[(a:2):3]"));
    assertEquals(s(1, "a b  d", 10, "a  c  d"), g("a [b : c : 1] d"));
    assertEquals(s(1, "abe", 2, "ace", 10, "ade"), g("a[b:[c:d:2]:1]e"));
    assertEquals(s(10, "a [unbalanced"), g("a [unbalanced"));
    assertEquals(s(5, "a  c", 10, "a b c"), g("a [b:.5] c"));
    assertEquals(s(3, "((a][:b:c ", 10, "((a][:b:c d"), g("((a][:b:c [d:3]"));
    assertEquals(s(1, "a", 2, "(b:1.1)", 3, "a", 4, "(b:1.1)", 5, "a", 6, "(b:1.1)", 7, "a", 8, "(b:1.1)", 9, "a",
        10, "(b:1.1)"), g("[a|(b:1.1)]"));
    assertEquals(s(1, "female", 2, "male", 3, "female", 4, "male", 5, "female", 6, "male", 7, "female", 8, "male", 9,
        "female", 10, "male"), g("[fe|]male"));
    assertEquals(s(1, "female", 2, "male", 3, "male", 4, "male", 5, "female", 6, "male", 7, "male", 8, "male", 9,
        "female", 10, "male"), g("[fe|||]male"));
    assertEquals(s(10, "a b c"), PromptEditing.hiresSchedule("a [b:.5] c", 10, 10));
    assertEquals(s(5, "a  c", 10, "a b c"), PromptEditing.hiresSchedule("a [b:1.5] c", 10, 10));
  }

  @Test
  void theCommentsExample() {
    // prompt_parser.py's opening comment, at 100 steps.
    assertEquals(s(25, "fantasy landscape with a mountain and an oak in foreground shoddy",
        50, "fantasy landscape with a lake and an oak in foreground in background shoddy",
        60, "fantasy landscape with a lake and an oak in foreground in background masterful",
        75, "fantasy landscape with a lake and an oak in background masterful",
        100, "fantasy landscape with a lake and a christmas tree in background masterful"),
        PromptEditing.schedule("fantasy landscape with a [mountain:lake:0.25] and [an oak:a christmas tree:0.75]"
            + "[ in foreground::0.6][: in background:0.25] [shoddy:masterful:0.5]", 100));
  }

  @Test
  void textAtACallAsReconstructCondBatchPicksIt() {
    List<Segment> schedule = g("a [b:3]");
    assertEquals("a ", PromptEditing.textAt(schedule, 0));
    assertEquals("a ", PromptEditing.textAt(schedule, 3));
    assertEquals("a b", PromptEditing.textAt(schedule, 4));
    assertEquals("a b", PromptEditing.textAt(schedule, 10));
    // Past the last step (a second-order sampler's calls) A1111 falls back to the first.
    assertEquals("a ", PromptEditing.textAt(schedule, 11));
  }

  @Test
  void escapesAndOddNumbersStayAsA1111ReadsThem() {
    assertEquals(s(10, "a \\[b:3\\]"), g("a \\[b:3\\]"));
    assertEquals(s(10, "a b"), g("a [b:-2]"));
    assertEquals(s(10, ""), g("[x:20]"));
    assertEquals(s(10, ""), g(""));
  }
}
