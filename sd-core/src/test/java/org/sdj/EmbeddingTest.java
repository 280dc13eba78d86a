package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.DType;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;
import org.sdj.prompt.PromptSyntax;
import org.sdj.tokenizer.ClipTokenizer;

/**
 * Textual-inversion embeddings end to end: an embedding whose vectors are the token embeddings of "lighthouse" makes
 * "a Beacon" give exactly the picture "a lighthouse" gives.
 */
class EmbeddingTest {
  private static final Path MODEL = TestFixtures.path("tiny-sd1");

  @TempDir Path dir;

  @Test
  void anEmbeddingOfAWordsVectorsStandsForTheWord() {
    int[] ids = ClipTokenizer.load(MODEL.resolve("tokenizer")).tokenIds("lighthouse");
    float[] vectors;
    int dim;
    try (SafeTensorsFile text = SafeTensorsFile.open(MODEL.resolve("text_encoder/model.safetensors"))) {
      SafeTensor table = text.get("text_model.embeddings.token_embedding.weight");
      dim = (int) table.shape()[1];
      vectors = new float[ids.length * dim];
      for (int i = 0; i < ids.length; i++) {
        for (int j = 0; j < dim; j++) {
          vectors[i * dim + j] = table.getFloat((long) ids[i] * dim + j);
        }
      }
    }
    Path file = dir.resolve("Beacon.safetensors");
    SafeTensorsWriter.create().add("emb_params", DType.F32, new long[] {ids.length, dim}, vectors).write(file);
    try (StableDiffusion sd = StableDiffusion.builder().model(MODEL).backend("reference").embedding(file).build()) {
      float[] word = sd.generate(TinyModel.small("a lighthouse").promptSyntax(PromptSyntax.A1111)).latents();
      float[] embedded = sd.generate(TinyModel.small("a Beacon").promptSyntax(PromptSyntax.A1111)).latents();
      assertArrayEquals(word, embedded);
    }
  }

  @Test
  void anEmbeddingForAnotherTextEncoderIsRefused() {
    Path file = dir.resolve("Wide.safetensors");
    SafeTensorsWriter.create().add("emb_params", DType.F32, new long[] {1, 768}, new float[768]).write(file);
    SdjException e = assertThrows(SdjException.class,
        () -> StableDiffusion.builder().model(MODEL).backend("reference").embedding(file).build());
    assertTrue(e.getMessage().contains("768") && e.getMessage().contains("another model family"), e.getMessage());
  }
}
