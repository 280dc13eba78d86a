package org.sdj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClipPreTokenizerTest {
  @Test
  void splitsLettersSingleDigitsContractionsAndPunctuationRuns() {
    assertEquals(
        List.of("don", "'t", "stop", "1", "2", "3", "x", "'s", "?!'", "é", "—", "½"),
        words("don't  stop 123 x's ?!' é— ½"));
  }

  @Test
  void aContractionOnlyStartsAWord() {
    assertEquals(List.of("?'", "s", "'d", "x"), words("?'s 'dx"));
  }

  @Test
  void clipsBoundaryWordsAreSplitAroundTheirBars() {
    assertEquals(List.of("<|", "startoftext", "|>", "?"), words("<|startoftext|>?"));
    assertEquals(List.of("?<|", "endoftext", "|>"), words("?<|endoftext|>"));
  }

  @Test
  void stopsWhenAsked() {
    List<String> seen = new ArrayList<>();
    assertFalse(ClipPreTokenizer.split("a b c", word -> seen.add(word) && seen.size() < 2));
    assertEquals(List.of("a", "b"), seen);
  }

  private static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    ClipPreTokenizer.split(text, words::add);
    return words;
  }
}
