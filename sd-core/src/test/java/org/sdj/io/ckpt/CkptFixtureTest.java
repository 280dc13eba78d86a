package org.sdj.io.ckpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.sdj.backend.DType;
import org.sdj.io.safetensors.SafeTensor;

/** Reads checkpoints written by torch itself and checks every value bit for bit against what torch read back. */
class CkptFixtureTest {
  private static final JsonNode EXPECTED = CkptFixtures.expected();

  @ParameterizedTest
  @ValueSource(strings = {CkptFixtures.SD_STYLE, CkptFixtures.VIEWS, CkptFixtures.PROTOCOL4, CkptFixtures.MODULE})
  void everyTensorMatchesTorch(String fixture) {
    JsonNode expected = EXPECTED.get(fixture).get("tensors");
    try (CkptFile ckpt = CkptFile.open(CkptFixtures.path(fixture))) {
      TreeSet<String> names = new TreeSet<>();
      expected.fieldNames().forEachRemaining(names::add);
      assertEquals(names, ckpt.names());
      for (String name : names) {
        JsonNode want = expected.get(name);
        SafeTensor tensor = ckpt.get(name);
        assertEquals(DType.valueOf(want.get("dtype").asText()), tensor.dtype(), name);
        long[] shape = new long[want.get("shape").size()];
        for (int d = 0; d < shape.length; d++) {
          shape[d] = want.get("shape").get(d).asLong();
        }
        assertEquals(java.util.Arrays.toString(shape), java.util.Arrays.toString(tensor.shape()), name);
        JsonNode values = want.get("values");
        assertEquals(values.size(), tensor.numel(), name);
        for (int i = 0; i < values.size(); i++) {
          assertEquals(values.get(i).asDouble(), element(tensor, i), name + "[" + i + "]");
        }
        // Contiguous tensors are views of the mapped file; the others are gathered copies.
        assertEquals(want.get("contiguous").asBoolean(), tensor.data().isMapped(), name + " mapped");
      }
    }
  }

  /** Element {@code i} widened to double exactly (bit-exact for floats: -0.0 and 0.0 differ in assertEquals). */
  private static double element(SafeTensor tensor, long i) {
    MemorySegment data = tensor.data();
    ValueLayout.OfLong i64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    return switch (tensor.dtype()) {
      case F32, F16, BF16 -> tensor.getFloat(i);
      case F64 -> Double.longBitsToDouble(data.get(i64, i * 8));
      case I64 -> data.get(i64, i * 8);
      case I32 -> data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 4);
      case U8, BOOL -> Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i));
    };
  }

  @Test
  void sdCheckpointKeepsItsScalarBookkeepingAsMetadata() {
    try (CkptFile ckpt = CkptFile.open(CkptFixtures.path(CkptFixtures.SD_STYLE))) {
      Map<String, String> expected = new TreeMap<>();
      EXPECTED.get(CkptFixtures.SD_STYLE).get("metadata").properties()
          .forEach(e -> expected.put(e.getKey(), e.getValue().asText()));
      assertEquals(expected, ckpt.metadata());
      assertFalse(ckpt.names().contains("global_step"));
    }
  }

  @Test
  void bareStateDictHasNoMetadata() {
    try (CkptFile ckpt = CkptFile.open(CkptFixtures.path(CkptFixtures.VIEWS))) {
      assertTrue(ckpt.metadata().isEmpty());
      assertTrue(ckpt.contains("whole"));
      assertFalse(ckpt.contains("nope"));
    }
  }

  @Test
  void unknownNameNamesTheTensorAndFile() {
    try (CkptFile ckpt = CkptFile.open(CkptFixtures.path(CkptFixtures.VIEWS))) {
      CkptException e = assertThrows(CkptException.class, () -> ckpt.get("missing.weight"));
      assertTrue(e.getMessage().contains("missing.weight") && e.getMessage().contains("views.pt"), e.getMessage());
    }
  }

  @Test
  void tensorsAreUnusableAfterClose() {
    CkptFile ckpt = CkptFile.open(CkptFixtures.path(CkptFixtures.VIEWS));
    SafeTensor view = ckpt.get("whole");
    SafeTensor copy = ckpt.get("transposed");
    ckpt.close();
    ckpt.close();
    assertThrows(IllegalStateException.class, () -> view.getFloat(0));
    assertThrows(IllegalStateException.class, () -> copy.getFloat(0));
  }

  @Test
  void legacyFormatIsRefusedWithAWayOut() {
    CkptException e = assertThrows(CkptException.class,
        () -> CkptFile.open(CkptFixtures.path(CkptFixtures.LEGACY)));
    assertTrue(e.getMessage().contains("legacy") && e.getMessage().contains("re-save"), e.getMessage());
    assertEquals(CkptFixtures.path(CkptFixtures.LEGACY), e.file());
  }
}
