package org.sdj.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.DType;

class ShardedSafeTensorsTest {
  @TempDir Path dir;

  private Path twoShards(String weightMap) throws IOException {
    SafeTensorsWriter.create()
        .add("a", DType.F32, new long[] {1}, new float[] {1})
        .add("b", DType.F32, new long[] {1}, new float[] {2})
        .write(dir.resolve("model-00001-of-00002.safetensors"));
    SafeTensorsWriter.create()
        .add("c", DType.F16, new long[] {2}, new float[] {3, 4})
        .write(dir.resolve("model-00002-of-00002.safetensors"));
    return Files.writeString(dir.resolve("model.safetensors.index.json"),
        "{\"metadata\":{\"total_size\":12},\"weight_map\":" + weightMap + "}");
  }

  @Test
  void readsAllShardsAsOneSource() throws IOException {
    Path index = twoShards("{\"c\":\"model-00002-of-00002.safetensors\",\"a\":\"model-00001-of-00002.safetensors\","
        + "\"b\":\"model-00001-of-00002.safetensors\"}");
    ShardedSafeTensors source = ShardedSafeTensors.open(index);
    try (source) {
      assertEquals(List.of("a", "b", "c"), List.copyOf(source.names()));
      assertEquals(4f, source.get("c").getFloat(1));
      assertEquals(2f, source.get("b").getFloat(0));
      assertEquals("12", source.metadata().get("total_size"));
      assertEquals(2, source.shardFiles().size());
      SafetensorsException absent = assertThrows(SafetensorsException.class, () -> source.get("d"));
      assertTrue(absent.getMessage().contains("'d'") && absent.getMessage().contains(index.toString()));
    }
    assertThrows(IllegalStateException.class, () -> source.get("a").getFloat(0));
  }

  @Test
  void tensorMissingFromItsShard() throws IOException {
    Path index = twoShards("{\"a\":\"model-00002-of-00002.safetensors\"}");
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> ShardedSafeTensors.open(index));
    assertTrue(e.getMessage().contains("'a'") && e.getMessage().contains("model-00002-of-00002"), e.getMessage());
  }

  @Test
  void missingShard() throws IOException {
    Path index = twoShards("{\"a\":\"model-00001-of-00002.safetensors\",\"z\":\"model-00003.safetensors\"}");
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> ShardedSafeTensors.open(index));
    assertTrue(e.getMessage().contains("model-00003.safetensors") && e.getMessage().contains("not found"));
  }

  @Test
  void shardOutsideTheFolder() throws IOException {
    Path index = twoShards("{\"a\":\"../model-00001-of-00002.safetensors\"}");
    assertThrows(SafetensorsException.class, () -> ShardedSafeTensors.open(index));
  }

  @Test
  void malformedIndex() throws IOException {
    Path index = twoShards("[]");
    assertTrue(assertThrows(SafetensorsException.class, () -> ShardedSafeTensors.open(index))
        .getMessage().contains("weight_map"));
    Files.writeString(index, "{\"weight_map\":");
    assertTrue(assertThrows(SafetensorsException.class, () -> ShardedSafeTensors.open(index))
        .getMessage().contains("not valid JSON"));
    assertTrue(assertThrows(SafetensorsException.class, () -> ShardedSafeTensors.open(dir.resolve("none.json")))
        .getMessage().contains("not found"));
  }
}
