package org.sdj.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.DType;

class SafeTensorsRoundTripTest {
  @TempDir Path dir;

  @Test
  void floatsRoundTripThroughEveryFloatDType() {
    float[] values = {0f, 1f, -2.5f, 0.1f, 65504f, 1e-3f};
    Path file = dir.resolve("floats.safetensors");
    SafeTensorsWriter.create()
        .add("f32", DType.F32, new long[] {2, 3}, values)
        .add("f16", DType.F16, new long[] {6}, values)
        .add("bf16", DType.BF16, new long[] {3, 2}, values)
        .write(file);
    try (SafeTensorsFile source = SafeTensorsFile.open(file)) {
      assertArrayEquals(values, source.get("f32").toFloatArray());
      float[] half = source.get("f16").toFloatArray();
      float[] brain = source.get("bf16").toFloatArray();
      for (int i = 0; i < values.length; i++) {
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(values[i])), half[i]);
        assertEquals(values[i], brain[i], Math.abs(values[i]) / 128f);
        assertEquals(half[i], source.get("f16").getFloat(i));
        assertEquals(brain[i], source.get("bf16").getFloat(i));
      }
      assertArrayEquals(new long[] {3, 2}, source.get("bf16").shape());
      assertEquals(6, source.get("bf16").numel());
      assertEquals(12, source.get("bf16").data().byteSize());
    }
  }

  @Test
  void bf16RoundsToNearestEvenAndKeepsNaN() {
    // 1 + 2^-8 lies exactly between two bf16 values: ties go to the even one (1.0); a bit more rounds up.
    float tie = 1f + 0x1p-8f;
    float above = Math.nextUp(tie);
    Path file = dir.resolve("bf16.safetensors");
    SafeTensorsWriter.create().add("x", DType.BF16, new long[] {3}, new float[] {tie, above, Float.NaN}).write(file);
    try (SafeTensorsFile source = SafeTensorsFile.open(file)) {
      float[] read = source.get("x").toFloatArray();
      assertEquals(1f, read[0]);
      assertEquals(1f + 0x1p-7f, read[1]);
      assertTrue(Float.isNaN(read[2]));
    }
  }

  @Test
  void rawBytesAndMetadataAndNamesAreKept() {
    byte[] ints = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-1).array();
    Path file = dir.resolve("raw.safetensors");
    SafeTensorsWriter.create()
        .metadata("format", "pt")
        .add("b", DType.I64, new long[] {2}, ints)
        .add("a", DType.U8, new long[] {}, new byte[] {42})
        .add("empty", DType.F32, new long[] {0, 4}, new float[0])
        .write(file);
    try (SafeTensorsFile source = SafeTensorsFile.open(file)) {
      assertEquals(List.of("a", "b", "empty"), List.copyOf(source.names()));
      assertEquals(Map.of("format", "pt"), source.metadata());
      assertEquals(-1L, source.get("b").data().get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
      assertEquals(1, source.get("a").numel());
      assertEquals(42, source.get("a").data().get(ValueLayout.JAVA_BYTE, 0));
      assertEquals(0, source.get("empty").numel());
      assertEquals(0, source.get("empty").toFloatArray().length);
      assertTrue(source.contains("a"));
      assertFalse(source.contains("c"));
    }
  }

  @Test
  void headerIsPaddedWithSpacesAndDataIsContiguousInNameOrder() throws IOException {
    Path file = dir.resolve("layout.safetensors");
    SafeTensorsWriter.create()
        .add("z", DType.F32, new long[] {1}, new float[] {1})
        .add("m", DType.F16, new long[] {3}, new float[] {1, 2, 3})
        .write(file);
    byte[] bytes = Files.readAllBytes(file);
    long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8);
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    assertTrue(header.stripTrailing().endsWith("}"));
    assertTrue(header.substring(header.stripTrailing().length()).isBlank());
    assertTrue(header.indexOf("\"m\"") < header.indexOf("\"z\""));
    assertTrue(header.contains("\"data_offsets\":[0,6]") && header.contains("\"data_offsets\":[6,10]"), header);
    assertEquals(8 + headerLength + 10, bytes.length);
  }

  @Test
  void viewsAreReadOnlyAndDieWithTheSource() {
    Path file = dir.resolve("x.safetensors");
    SafeTensorsWriter.create().add("x", DType.F32, new long[] {2}, new float[] {1, 2}).write(file);
    SafeTensor tensor;
    try (SafeTensorsFile source = SafeTensorsFile.open(file)) {
      tensor = source.get("x");
      assertTrue(tensor.data().isReadOnly());
      assertThrows(IllegalArgumentException.class, () -> tensor.data().set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
      long[] shape = tensor.shape();
      shape[0] = 99;
      assertEquals(2, tensor.shape()[0]);
    }
    assertThrows(IllegalStateException.class, () -> tensor.getFloat(0));
  }

  @Test
  void accessorsRejectWrongUse() {
    Path file = dir.resolve("x.safetensors");
    SafeTensorsWriter.create()
        .add("x", DType.F32, new long[] {2}, new float[] {1, 2})
        .add("i", DType.I32, new long[] {1}, new byte[4])
        .write(file);
    try (SafeTensorsFile source = SafeTensorsFile.open(file)) {
      assertThrows(IndexOutOfBoundsException.class, () -> source.get("x").getFloat(2));
      SafetensorsException notFloat = assertThrows(SafetensorsException.class, () -> source.get("i").toFloatArray());
      assertTrue(notFloat.getMessage().contains("'i'") && notFloat.getMessage().contains("I32"));
      assertThrows(SafetensorsException.class, () -> source.get("i").getFloat(0));
      SafetensorsException absent = assertThrows(SafetensorsException.class, () -> source.get("nope"));
      assertTrue(absent.getMessage().contains("nope") && absent.getMessage().contains(file.toString()));
      assertEquals(file, absent.file().orElseThrow());
    }
  }

  @Test
  void writerRejectsBadTensors() {
    SafeTensorsWriter writer = SafeTensorsWriter.create().add("a", DType.F32, new long[] {1}, new float[] {1});
    assertThrows(SafetensorsException.class, () -> writer.add("a", DType.F32, new long[] {1}, new float[] {1}));
    assertThrows(SafetensorsException.class, () -> writer.add("b", DType.F32, new long[] {2}, new float[] {1}));
    assertThrows(SafetensorsException.class, () -> writer.add("c", DType.I32, new long[] {1}, new float[] {1}));
    assertThrows(SafetensorsException.class, () -> writer.add("d", DType.F32, new long[] {-1}, new byte[0]));
    assertThrows(SafetensorsException.class, () -> writer.add("e", DType.F16, new long[] {3}, new byte[4]));
    assertThrows(SafetensorsException.class,
        () -> writer.add("f", DType.U8, new long[] {1L << 32, 1L << 32}, new byte[0]));
    assertThrows(SafetensorsException.class, () -> writer.add("__metadata__", DType.U8, new long[] {0}, new byte[0]));
  }

  @Test
  void filesOverTwoGigabytesMapWithoutCopying() throws IOException {
    // 2^31 BF16 elements: 4 GiB of data in a sparse file, more than one MappedByteBuffer or Java array can hold.
    long elements = 1L << 31;
    String header = "{\"big\":{\"dtype\":\"BF16\",\"shape\":[" + elements + "],\"data_offsets\":[0," + 2 * elements
        + "]}}";
    Path file = RawSafetensors.write(dir.resolve("big.safetensors"), header, new byte[0]);
    try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(raf.length() + 2 * elements);
    }
    try (SafeTensorsFile source = SafeTensorsFile.open(file)) {
      SafeTensor big = source.get("big");
      assertEquals(2 * elements, big.data().byteSize());
      assertEquals(0f, big.getFloat(elements - 1));
      SafetensorsException tooMany = assertThrows(SafetensorsException.class, big::toFloatArray);
      assertTrue(tooMany.getMessage().contains("big"));
    }
  }
}
