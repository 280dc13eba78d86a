package org.sdj.io.ckpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.SdjException;
import org.sdj.backend.DType;
import org.sdj.io.safetensors.SafeTensorsWriter;
import org.sdj.prompt.Embedding;

/** Textual-inversion embeddings in the layouts A1111 and diffusers save them in. */
class EmbeddingFileTest {
  @TempDir Path dir;

  @Test
  void a1111sPickleKeepsItsVectorsUnderStringToParam() throws IOException {
    PickleBytes pickle = PickleBytes.protocol(2).op('}').mark()
        .unicode("string_to_token").op('}').unicode("*").integer(265).op('s')
        .unicode("string_to_param").op('}').unicode("*")
        .tensor("FloatStorage", "0", 4, 0, new long[] {2, 2}, new long[] {2, 1}).op('s')
        .unicode("name").unicode("old-name")
        .unicode("step").integer(3000)
        .op('u').stop();
    Path file = Files.write(dir.resolve("BadHands.pt"),
        TorchZip.of(pickle.toByteArray()).floats("0", 1f, 2f, 3f, 4f).toByteArray());
    Embedding e = Embedding.read(file);
    assertEquals("BadHands", e.name());
    assertEquals(2, e.count());
    assertEquals(2, e.dim());
    assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, e.vectors());
  }

  @Test
  void safetensorsOfA1111AndDiffusers() {
    Path a1111 = dir.resolve("EasyNegative.safetensors");
    SafeTensorsWriter.create().add("emb_params", DType.F16, new long[] {3, 4}, new float[12]).write(a1111);
    Embedding e = Embedding.read(a1111);
    assertEquals("EasyNegative", e.name());
    assertEquals(3, e.count());
    Path diffusers = dir.resolve("cat-toy.safetensors");
    SafeTensorsWriter.create().add("<cat-toy>", DType.F32, new long[] {4}, new float[] {1, 2, 3, 4}).write(diffusers);
    Embedding d = Embedding.read(diffusers);
    assertEquals(1, d.count());
    assertEquals(4, d.dim());
    Path sdxl = dir.resolve("xl.safetensors");
    SafeTensorsWriter.create().add("clip_l", DType.F32, new long[] {1, 4}, new float[4])
        .add("clip_g", DType.F32, new long[] {1, 8}, new float[8]).write(sdxl);
    Embedding xl = Embedding.read(sdxl);
    assertEquals(4, xl.dim());
    assertEquals(8, xl.secondDim());
    assertTrue(xl.forTwoEncoders());
    Path onlyL = dir.resolve("l.safetensors");
    SafeTensorsWriter.create().add("clip_l", DType.F32, new long[] {1, 4}, new float[4])
        .add("other", DType.F32, new long[] {1, 8}, new float[8]).write(onlyL);
    assertTrue(assertThrows(SdjException.class, () -> Embedding.read(onlyL)).getMessage().contains("clip_l without"));
    Path mismatched = dir.resolve("mismatched.safetensors");
    SafeTensorsWriter.create().add("clip_l", DType.F32, new long[] {1, 4}, new float[4])
        .add("clip_g", DType.F32, new long[] {2, 8}, new float[16]).write(mismatched);
    assertTrue(assertThrows(SdjException.class, () -> Embedding.read(mismatched)).getMessage()
        .contains("clip_l has 1 vectors but clip_g 2"));
  }
}
