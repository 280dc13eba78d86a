package org.sdj.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.io.TestFixtures;
import org.sdj.tokenizer.ClipTokenizer;

/** A1111's chunks of 75 tokens: padding, weights per token, BREAK, and the carry of words after a late comma. */
class PromptChunkTest {
  private static final ClipTokenizer SD1 = ClipTokenizer.load(TestFixtures.path("clip-tokenizer"));
  private static final int CAT = single("cat");
  private static final int DOG = single("dog");
  private static final int COMMA = single(",");

  @Test
  void aPlainShortPromptIsDiffusersInput() {
    String prompt = "a photograph of an astronaut riding a horse, 8k: detailed";
    List<PromptChunk> chunks = PromptChunk.of(prompt, SD1);
    assertEquals(1, chunks.size());
    assertArrayEquals(SD1.encode(prompt), chunks.getFirst().ids());
    assertArrayEquals(ones(77), chunks.getFirst().weights());
    assertArrayEquals(SD1.encode(""), PromptChunk.empty(SD1).ids());
  }

  @Test
  void eachTokenCarriesItsRunsWeight() {
    PromptChunk chunk = PromptChunk.of("a (cat:1.5) [dog]", SD1).getFirst();
    int[] ids = chunk.ids();
    float[] w = chunk.weights();
    assertEquals(CAT, ids[2]);
    assertEquals(1.5f, w[2]);
    assertEquals(DOG, ids[3]);
    assertEquals((float) (1 / 1.1), w[3]);
    assertEquals(1f, w[0]);
    assertEquals(1f, w[4], "EOS");
  }

  @Test
  void longPromptsAndBreaksMakeMoreChunks() {
    List<PromptChunk> chunks = PromptChunk.of("cat ".repeat(100), SD1);
    assertEquals(2, chunks.size());
    assertEquals(CAT, chunks.get(0).ids()[75]);
    assertEquals(SD1.eosId(), chunks.get(0).ids()[76]);
    assertArrayEquals(SD1.encode("cat ".repeat(25)), chunks.get(1).ids());

    List<PromptChunk> broken = PromptChunk.of("cat BREAK dog", SD1);
    assertEquals(2, broken.size());
    assertArrayEquals(SD1.encode("cat"), broken.get(0).ids());
    assertArrayEquals(SD1.encode("dog"), broken.get(1).ids());
    assertEquals(1, PromptChunk.of("cat BREAK", SD1).size(), "nothing after the break: no empty chunk");
    assertEquals(1, PromptChunk.of("", SD1).size());
  }

  /** 70 cats, a comma, 10 dogs: the chunk fills at the 4th dog and ends at the comma, 5 tokens back. */
  @Test
  void aFullChunkEndsAtACommaAmongItsLast20Tokens() {
    List<PromptChunk> chunks = PromptChunk.of("cat ".repeat(70) + ", " + "dog ".repeat(10), SD1);
    assertEquals(2, chunks.size());
    int[] first = chunks.get(0).ids();
    assertEquals(COMMA, first[71]);
    assertEquals(SD1.eosId(), first[72]);
    assertArrayEquals(SD1.encode("dog ".repeat(10)), chunks.get(1).ids());
    // 50 tokens back is too far: the chunk is cut where it fills.
    List<PromptChunk> far = PromptChunk.of("cat ".repeat(25) + ", " + "dog ".repeat(60), SD1);
    assertEquals(DOG, far.get(0).ids()[75]);
    assertEquals(11, countOf(far.get(1).ids(), DOG));
  }

  @Test
  void aTokenizerThatPadsWithAnotherIdPadsAfterTheFirstEos(@TempDir Path dir) throws IOException {
    for (String name : List.of("vocab.json", "merges.txt")) {
      Files.copy(TestFixtures.path("clip-tokenizer").resolve(name), dir.resolve(name));
    }
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"!\"}");
    ClipTokenizer sd2 = ClipTokenizer.load(dir);
    assertEquals(0, sd2.padId());
    assertArrayEquals(sd2.encode("a cat"), PromptChunk.of("a (cat) BREAK", sd2).getFirst().ids());
  }

  @Test
  void anEmbeddingsNameBecomesItsVectorsWhole() {
    Embedding bad = new Embedding("BadDream", new float[3 * 4], 3, 4);
    List<PromptChunk> chunks = PromptChunk.of("a cat, (baddream:1.2)", SD1, List.of(bad));
    PromptChunk chunk = chunks.getFirst();
    assertEquals(1, chunk.embeddings().size());
    int at = chunk.embeddings().getFirst().position();
    assertEquals(4, at, "BOS, a, cat, comma, then the vectors");
    assertEquals(1.2f, chunk.weights()[at + 2]);
    assertEquals(SD1.eosId(), chunk.ids()[at + 3]);
    // 74 cats leave one place: the three vectors start the next chunk.
    List<PromptChunk> moved = PromptChunk.of("cat ".repeat(74) + "BadDream", SD1, List.of(bad));
    assertEquals(2, moved.size());
    assertEquals(List.of(), moved.get(0).embeddings());
    assertEquals(1, moved.get(1).embeddings().getFirst().position());
    assertArrayEquals(SD1.encode("cat ".repeat(74)), moved.get(0).ids());
  }

  /** Any mix of the syntax's characters parses and chunks: no exception, every chunk well formed. */
  @Test
  void randomPromptsAlwaysChunk() {
    String alphabet = "()[]:\\,. 0123456789abcBREAK\n";
    SplittableRandom random = new SplittableRandom(7);
    for (int n = 0; n < 2000; n++) {
      StringBuilder prompt = new StringBuilder();
      for (int i = random.nextInt(120); i > 0; i--) {
        prompt.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      for (PromptChunk chunk : PromptChunk.of(prompt.toString(), SD1)) {
        assertEquals(77, chunk.ids().length, prompt.toString());
        assertEquals(SD1.bosId(), chunk.ids()[0], prompt.toString());
        for (float w : chunk.weights()) {
          assertTrue(!Float.isNaN(w), prompt.toString());
        }
      }
    }
  }

  private static int single(String word) {
    int[] ids = SD1.tokenIds(word);
    assertEquals(1, ids.length, word);
    return ids[0];
  }

  private static int countOf(int[] ids, int id) {
    return (int) Arrays.stream(ids).filter(i -> i == id).count();
  }

  private static float[] ones(int n) {
    float[] a = new float[n];
    Arrays.fill(a, 1f);
    return a;
  }
}
