package org.sdj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Input ids as transformers' CLIPTokenizer gives them, one test per prompt. */
class ClipTokenizerConformanceTest {
  private static final ClipTokenizer SD1 = ClipTokenizer.load(TokenizerFixtures.clipTokenizerDir());

  @TempDir static Path sd2Dir;

  /** The 30 shared SD 1.x cases: full 77-id sequences, padded with EOS. */
  @TestFactory
  Stream<DynamicTest> sharedFixtureCases() {
    JsonNode cases =
        TokenizerFixtures.readJson(TokenizerFixtures.clipTokenizerDir().resolve("expected_ids.json")).get("cases");
    assertEquals(30, cases.size());
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode testCase : cases) {
      String prompt = testCase.get("prompt").asText();
      int[] expected = TokenizerFixtures.ints(testCase.get("input_ids"));
      tests.add(
          DynamicTest.dynamicTest(
              TokenizerFixtures.displayName(prompt), () -> assertArrayEquals(expected, SD1.encode(prompt))));
    }
    return tests.stream();
  }

  /** Special tokens and Unicode edge cases, with an SD 1.x and an SD 2.x (pad '!') tokenizer. */
  @TestFactory
  Stream<DynamicTest> specialTokenAndUnicodeCases() {
    TokenizerFixtures.copyOfClipTokenizer(sd2Dir);
    TokenizerFixtures.writeResource(sd2Dir, "sd2-tokenizer_config.json", "tokenizer_config.json");
    ClipTokenizer sd2 = ClipTokenizer.load(sd2Dir);
    JsonNode cases = TokenizerFixtures.readResourceJson("special-cases.json").get("cases");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode testCase : cases) {
      String prompt = testCase.get("prompt").asText();
      String name = TokenizerFixtures.displayName(prompt);
      tests.add(DynamicTest.dynamicTest("SD1 " + name, () -> assertUnpadded(testCase.get("sd1"), SD1, prompt)));
      tests.add(DynamicTest.dynamicTest("SD2 " + name, () -> assertUnpadded(testCase.get("sd2"), sd2, prompt)));
    }
    return tests.stream();
  }

  private static void assertUnpadded(JsonNode expectedIds, ClipTokenizer tokenizer, String prompt) {
    int[] expected = TokenizerFixtures.ints(expectedIds);
    TokenizedText tokenized = tokenizer.tokenize(prompt);
    assertArrayEquals(expected, Arrays.copyOf(tokenized.ids(), tokenized.tokenCount()));
    int[] padding = Arrays.copyOfRange(tokenized.ids(), tokenized.tokenCount(), tokenizer.maxLength());
    assertEquals(0, Arrays.stream(padding).filter(id -> id != tokenizer.padId()).count());
  }
}
