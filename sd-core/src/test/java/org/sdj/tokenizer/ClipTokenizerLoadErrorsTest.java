package org.sdj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.SdjException;

/** Missing or corrupt tokenizer files fail with an SdjException whose message names the file and the problem. */
class ClipTokenizerLoadErrorsTest {
  @TempDir Path dir;

  @Test
  void missingFolder() {
    assertFails(dir.resolve("nowhere"), "does not exist");
  }

  @Test
  void missingVocab() throws IOException {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    Files.delete(dir.resolve("vocab.json"));
    assertFails(dir, "has no vocab.json");
  }

  @Test
  void missingMerges() throws IOException {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    Files.delete(dir.resolve("merges.txt"));
    assertFails(dir, "has no merges.txt");
  }

  @Test
  void vocabThatIsNotJson() {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    overwrite("vocab.json", "{\"a\": 1,");
    assertFails(dir, "vocab.json: not valid JSON");
  }

  @Test
  void vocabThatIsNotAnObject() {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    overwrite("vocab.json", "[1, 2]");
    assertFails(dir, "vocab.json: expected a JSON object");
  }

  @Test
  void vocabWithANonIntegerId() {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    overwrite("vocab.json", "{\"a\": \"one\"}");
    assertFails(dir, "the id of token 'a'");
  }

  @Test
  void vocabWithoutByteSymbols() {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    overwrite("vocab.json", "{\"a\": 1}");
    assertFails(dir, "vocab.json: it lacks the byte symbol");
  }

  @Test
  void mergesLineThatIsNotAPair() {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    overwrite("merges.txt", "#version: 0.2\ni n\nt h e\n");
    assertFails(dir, "merges.txt: line 3");
  }

  @Test
  void mergesWithASymbolOutsideTheVocabulary() {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    overwrite("merges.txt", "#version: 0.2\ni n\nq€ z\n");
    assertFails(dir, "line 3 uses or makes 'q€'");
  }

  @Test
  void mergesThatAreNotUtf8() throws IOException {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    Files.write(dir.resolve("merges.txt"), new byte[] {'a', ' ', (byte) 0xFF, '\n'});
    assertFails(dir, "merges.txt: not UTF-8");
  }

  @Test
  void configThatIsNotJson() {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    overwrite("tokenizer_config.json", "model_max_length: 77");
    assertFails(dir, "tokenizer_config.json: not valid JSON");
  }

  @Test
  void unusableMaxLength() {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    for (String value : new String[] {"1", "77.5", "\"77\"", "100000000"}) {
      overwrite("tokenizer_config.json", "{\"model_max_length\": " + value + "}");
      assertFails(dir, "model_max_length " + value + " is not a usable sequence length");
    }
  }

  @Test
  void specialTokenWithoutContent() {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    overwrite("special_tokens_map.json", "{\"pad_token\": {\"text\": \"!\"}}");
    assertFails(dir, "special_tokens_map.json: pad_token must be a non-empty string");
  }

  @Test
  void specialTokenOutsideTheVocabulary() {
    TokenizerFixtures.copyOfClipTokenizer(dir);
    overwrite("special_tokens_map.json", "{\"additional_special_tokens\": [\"<new-token>\"]}");
    assertFails(dir, "'<new-token>' from special_tokens_map.json is not in vocab.json");
  }

  private void overwrite(String name, String content) {
    TokenizerFixtures.write(dir, name, content);
  }

  private static void assertFails(Path tokenizerDir, String messagePart) {
    SdjException e = assertThrows(SdjException.class, () -> ClipTokenizer.load(tokenizerDir));
    assertTrue(e.getMessage().contains(messagePart), "message was: " + e.getMessage());
  }
}
