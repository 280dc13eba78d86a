package org.sdj.io.ckpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;

/** A converted checkpoint reads back as the same tensors, byte for byte, with the checkpoint's metadata. */
class CkptConverterTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {CkptFixtures.SD_STYLE, CkptFixtures.VIEWS, CkptFixtures.PROTOCOL4, CkptFixtures.MODULE})
  void convertedTensorsAreIdentical(String fixture) {
    Path out = dir.resolve("model.safetensors");
    CkptConverter.Result result = CkptConverter.convert(CkptFixtures.path(fixture), out);
    try (CkptFile ckpt = CkptFile.open(CkptFixtures.path(fixture));
        SafeTensorsFile converted = SafeTensorsFile.open(out)) {
      assertEquals(out, result.target());
      assertEquals(ckpt.names().size(), result.tensorCount());
      assertEquals(ckpt.names(), converted.names());
      long bytes = 0;
      for (String name : ckpt.names()) {
        SafeTensor want = ckpt.get(name);
        SafeTensor got = converted.get(name);
        assertEquals(want.dtype(), got.dtype(), name);
        assertArrayEquals(want.shape(), got.shape(), name);
        assertArrayEquals(want.data().toArray(ValueLayout.JAVA_BYTE), got.data().toArray(ValueLayout.JAVA_BYTE), name);
        bytes += want.data().byteSize();
      }
      assertEquals(bytes, result.tensorBytes());
      assertEquals("pt", converted.metadata().get("format"));
      ckpt.metadata().forEach((key, value) -> assertEquals(value, converted.metadata().get(key), key));
    }
  }
}
