package org.sdj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTokenizerTest {
  private static final int BOS = 49406;
  private static final int EOS = 49407;
  private static final int A = 320;
  private static final ClipTokenizer SD1 = ClipTokenizer.load(TokenizerFixtures.clipTokenizerDir());

  @Test
  void defaultsAreThoseOfStableDiffusion1() {
    assertEquals(77, SD1.maxLength());
    assertEquals(BOS, SD1.bosId());
    assertEquals(EOS, SD1.eosId());
    assertEquals(EOS, SD1.padId());
  }

  @Test
  void emptyAndBlankPromptsAreBosEosThenPadding() {
    for (String prompt : new String[] {"", "   \t\n "}) {
      TokenizedText tokenized = SD1.tokenize(prompt);
      assertEquals(2, tokenized.tokenCount());
      assertFalse(tokenized.truncated());
      int[] ids = tokenized.ids();
      assertEquals(77, ids.length);
      assertEquals(BOS, ids[0]);
      assertEquals(EOS, ids[1]);
    }
  }

  @Test
  void seventyFiveTokensFitWithoutTruncation() {
    TokenizedText tokenized = SD1.tokenize("a ".repeat(75));
    assertEquals(77, tokenized.tokenCount());
    assertFalse(tokenized.truncated());
    assertEquals(A, tokenized.ids()[75]);
    assertEquals(EOS, tokenized.ids()[76]);
  }

  @Test
  void longPromptsKeepTheFirst75TokensAndEndWithEos() {
    for (int words : new int[] {76, 200, 100_000}) {
      TokenizedText tokenized = SD1.tokenize("a ".repeat(words));
      assertTrue(tokenized.truncated(), words + " words");
      assertEquals(77, tokenized.tokenCount());
      int[] ids = tokenized.ids();
      assertEquals(BOS, ids[0]);
      for (int i = 1; i <= 75; i++) {
        assertEquals(A, ids[i]);
      }
      assertEquals(EOS, ids[76]);
    }
  }

  @Test
  void truncationCutsInsideAWordWhoseTokensDoNotFit() {
    // 74 words of one token, then a word of several tokens: only its first token fits.
    String longWord = "xãy";
    int[] wordIds = SD1.tokenize(longWord).ids();
    TokenizedText tokenized = SD1.tokenize("a ".repeat(74) + longWord);
    assertTrue(tokenized.truncated());
    assertEquals(wordIds[1], tokenized.ids()[75]);
    assertEquals(EOS, tokenized.ids()[76]);
  }

  @Test
  void encodeEqualsTokenizeIds() {
    String prompt = "a photo of an astronaut riding a horse on mars";
    assertArrayEquals(SD1.tokenize(prompt).ids(), SD1.encode(prompt));
    assertEquals(12, SD1.tokenize(prompt).tokenCount());
  }

  @Test
  void nullTextIsRejected() {
    assertThrows(NullPointerException.class, () -> SD1.tokenize(null));
  }

  @Test
  void tokenizedTextIsImmutable() {
    TokenizedText tokenized = SD1.tokenize("a dog");
    tokenized.ids()[1] = 0;
    assertEquals(A, tokenized.ids()[1]);
    assertEquals(tokenized, SD1.tokenize("a dog"));
    assertNotEquals(tokenized, SD1.tokenize("a cat"));
  }

  @Test
  void lonePromptSurrogatesDoNotFail() {
    // Java strings may hold unpaired surrogates; they encode as '?' rather than throwing.
    assertEquals(SD1.tokenize("?x").tokenCount(), SD1.tokenize("\uD800x").tokenCount());
  }

  @Test
  void oneInstanceServesManyThreads() throws Exception {
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      prompts.add("prompt number " + i + " with word" + (i % 37) + " and café " + Integer.toHexString(i * 7919));
    }
    ClipTokenizer fresh = ClipTokenizer.load(TokenizerFixtures.clipTokenizerDir());
    List<int[]> expected = prompts.stream().map(SD1::encode).toList();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int offset = t * 50;
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < prompts.size(); i++) {
                    int index = (i + offset) % prompts.size();
                    assertArrayEquals(expected.get(index), fresh.encode(prompts.get(index)));
                  }
                  return true;
                }));
      }
      for (Future<Boolean> result : results) {
        assertTrue(result.get());
      }
    }
  }

  @Test
  void configSetsLengthAndSpecialTokensGivenAsObjects(@TempDir Path dir) {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    TokenizerFixtures.write(
        dir,
        "tokenizer_config.json",
        """
        {"model_max_length": 8, "pad_token": {"content": "!", "normalized": false},
         "bos_token": {"__type": "AddedToken", "content": "<|startoftext|>"}}
        """);
    ClipTokenizer tokenizer = ClipTokenizer.load(dir);
    assertEquals(8, tokenizer.maxLength());
    assertEquals(0, tokenizer.padId());
    assertArrayEquals(new int[] {BOS, A, 1929, EOS, 0, 0, 0, 0}, tokenizer.encode("a dog"));
    TokenizedText cut = tokenizer.tokenize("a a a a a a a");
    assertTrue(cut.truncated());
    assertArrayEquals(new int[] {BOS, A, A, A, A, A, A, EOS}, cut.ids());
  }

  @Test
  void specialTokensMapOverridesConfigAndAddsAdditionalTokens(@TempDir Path dir) {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    TokenizerFixtures.write(dir, "tokenizer_config.json", "{\"pad_token\": \"<|endoftext|>\"}");
    TokenizerFixtures.write(
        dir,
        "special_tokens_map.json",
        """
        {"pad_token": {"content": "!", "lstrip": false, "normalized": false, "rstrip": false},
         "additional_special_tokens": ["dog"]}
        """);
    ClipTokenizer tokenizer = ClipTokenizer.load(dir);
    assertEquals(0, tokenizer.padId());
    // "dog" alone is word "dog</w>" (1929); as a special token it is the vocabulary entry "dog" (4326), even mid-word.
    int dogWithoutEndOfWord = 4326;
    assertArrayEquals(new int[] {BOS, dogWithoutEndOfWord, EOS}, prefix(tokenizer.tokenize("dog")));
    assertArrayEquals(new int[] {BOS, 2069, dogWithoutEndOfWord, EOS}, prefix(tokenizer.tokenize("hotdog")));
  }

  @Test
  void unlimitedLengthSentinelMeansClipsLength(@TempDir Path dir) {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    TokenizerFixtures.write(dir, "tokenizer_config.json", "{\"model_max_length\": 1000000000000000019884624838656}");
    assertEquals(77, ClipTokenizer.load(dir).maxLength());
  }

  private static int[] prefix(TokenizedText tokenized) {
    return Arrays.copyOf(tokenized.ids(), tokenized.tokenCount());
  }
}
