package org.sdj.io.ckpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Corrupt, truncated, oversized and hostile-but-allowlisted inputs end in a CkptException that says what is wrong. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MalformedCkptTest {
  private static final long[] TWO = {2};
  private static final long[] ONE = {1};

  @TempDir Path dir;

  // Files that are not torch zip archives.

  @Test
  void emptyAndForeignFilesAreNotCheckpoints() throws IOException {
    assertRefused(new byte[0], "not a PyTorch checkpoint");
    assertRefused("{\"a\": 1}".getBytes(StandardCharsets.UTF_8), "not a PyTorch checkpoint");
  }

  @Test
  void missingFileIsReported() {
    CkptException e = assertThrows(CkptException.class, () -> CkptFile.open(dir.resolve("absent.ckpt")));
    assertTrue(e.getMessage().contains("file not found"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 30, 100, 1000, 2000, 3000, 4000, 4119})
  void truncatedArchivesAreRefused(int length) throws IOException {
    byte[] whole = CkptFixtures.bytes(CkptFixtures.SD_STYLE);
    assertEquals(4120, whole.length);
    assertRefused(Arrays.copyOf(whole, length), "");
  }

  @Test
  void damagedCentralDirectoryIsRefused() throws IOException {
    byte[] bytes = CkptFixtures.bytes(CkptFixtures.SD_STYLE);
    int central = indexOf(bytes, new byte[] {'P', 'K', 1, 2});
    bytes[central + 3] = 9;
    assertRefused(bytes, "central directory entry");
  }

  @Test
  void localHeaderOffsetOutsideTheFileIsRefused() throws IOException {
    byte[] bytes = CkptFixtures.bytes(CkptFixtures.SD_STYLE);
    int central = indexOf(bytes, new byte[] {'P', 'K', 1, 2});
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(central + 42, 1 << 30);
    assertRefused(bytes, "no local header");
  }

  @Test
  void zip64RecordsAreFollowedAndCheckedWhenTheEndRecordDefersToThem() throws IOException {
    // torch's zip writer always adds ZIP64 end records; large checkpoints need them for offsets past 4 GiB.
    byte[] bytes = CkptFixtures.bytes(CkptFixtures.SD_STYLE);
    int end = indexOf(bytes, new byte[] {'P', 'K', 5, 6});
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(end + 12, -1).putInt(end + 16, -1);
    Path file = Files.write(dir.resolve("zip64.ckpt"), bytes);
    try (CkptFile ckpt = CkptFile.open(file)) {
      assertEquals(9, ckpt.names().size());
    }
    bytes[end - 20 + 3] = 9;
    assertRefused(bytes, "ZIP64 sizes without a ZIP64 locator");
    bytes[end - 20 + 3] = 7;
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(end - 20 + 8, bytes.length);
    assertRefused(bytes, "ZIP64 end-of-central-directory record is missing");
  }

  @Test
  void compressedRecordsAreRefused() throws IOException {
    assertRefused(TorchZip.of(dictOf("w", 1f, 2f)).floats("0", 1f, 2f).deflated().toByteArray(), "compressed");
  }

  @Test
  void archiveWithoutPickleIsRefused() throws IOException {
    assertRefused(new TorchZip().storage("0", new byte[4]).toByteArray(), "no <folder>/data.pkl");
  }

  @Test
  void bigEndianCheckpointsAreRefused() throws IOException {
    byte[] zip = TorchZip.of(dictOf("w", 1f, 2f)).floats("0", 1f, 2f)
        .record("archive/byteorder", "big".getBytes(StandardCharsets.US_ASCII)).toByteArray();
    assertRefused(zip, "byte order is 'big'");
  }

  // Tensors that do not fit their storage.

  @Test
  void pickleNamingAMissingStorageRecordIsRefused() throws IOException {
    byte[] pickle = stateDict(p -> p.tensor("FloatStorage", "7", 2, 0, TWO, ONE));
    assertRefused(TorchZip.of(pickle).floats("0", 1f, 2f).toByteArray(), "no record archive/data/7");
  }

  @Test
  void storageLargerThanItsRecordIsRefused() throws IOException {
    byte[] pickle = stateDict(p -> p.tensor("FloatStorage", "0", 4, 0, TWO, ONE));
    assertRefused(TorchZip.of(pickle).floats("0", 1f, 2f).toByteArray(), "declares 16 bytes but its record holds 8");
  }

  @Test
  void tensorPastTheEndOfItsStorageIsRefused() throws IOException {
    byte[] pickle = stateDict(p -> p.tensor("FloatStorage", "0", 2, 1, TWO, ONE));
    assertRefused(TorchZip.of(pickle).floats("0", 1f, 2f).toByteArray(), "reaches byte 12 of storage '0'");
  }

  @Test
  void absurdShapesAreRefused() throws IOException {
    long huge = 1L << 40;
    byte[] pickle = stateDict(p -> p.global("torch._utils", "_rebuild_tensor_v2").mark()
        .mark().unicode("storage").global("torch", "FloatStorage").unicode("0").unicode("cpu").integer(2).tuple()
        .op('Q').integer(0).mark().long1(huge).long1(huge).long1(huge).tuple()
        .mark().long1(huge).long1(huge).integer(1).tuple().op(0x89).op('N').tuple().reduce());
    assertRefused(TorchZip.of(pickle).floats("0", 1f, 2f).toByteArray(), "overflows");
  }

  @Test
  void expandedViewsFarLargerThanTheirStorageAreRefused() throws IOException {
    byte[] pickle = stateDict(p -> p.tensor("FloatStorage", "0", 2, 0, new long[] {1 << 20, 1 << 20},
        new long[] {0, 0}));
    assertRefused(TorchZip.of(pickle).floats("0", 1f, 2f).toByteArray(), "expanded view");
  }

  @Test
  void negativeDimensionsAreRefused() throws IOException {
    byte[] pickle = stateDict(p -> p.global("torch._utils", "_rebuild_tensor_v2").mark()
        .mark().unicode("storage").global("torch", "FloatStorage").unicode("0").unicode("cpu").integer(2).tuple()
        .op('Q').integer(0).mark().op('J').u32(-1).tuple().intTuple(1).op(0x89).op('N').tuple().reduce());
    assertRefused(TorchZip.of(pickle).floats("0", 1f, 2f).toByteArray(), "negative");
  }

  @Test
  void unsupportedDtypesNameTheTensor() throws IOException {
    byte[] pickle = stateDict(p -> p.tensor("CharStorage", "0", 2, 0, TWO, ONE));
    assertRefused(TorchZip.of(pickle).storage("0", new byte[2]).toByteArray(),
        "tensor 'w': torch.CharStorage tensors are not supported");
  }

  // Malformed pickles.

  @Test
  void malformedPicklesSayWhereAndWhat() throws IOException {
    assertPickleRefused(PickleBytes.protocol(2).op('}').toByteArray(), "truncated");
    assertPickleRefused(PickleBytes.protocol(2).op('R').toByteArray(), "data.pkl at byte 2: pickle stack underflow");
    assertPickleRefused(PickleBytes.protocol(2).op('I').raw("1\n.".getBytes(StandardCharsets.US_ASCII))
        .toByteArray(), "text-protocol opcode");
    assertPickleRefused(PickleBytes.protocol(2).op(0xff).toByteArray(), "unsupported pickle opcode 0xff");
    assertPickleRefused(PickleBytes.protocol(6).toByteArray(), "protocol 6");
    assertPickleRefused(PickleBytes.protocol(2).op('h').op(3).toByteArray(), "memo entry 3 was never stored");
    assertPickleRefused(PickleBytes.protocol(2).integer(5).stop().toByteArray(), "holds a int, not a state dict");
    assertPickleRefused(PickleBytes.protocol(2).op('C').op(2).raw(new byte[] {(byte) 0xc3, 0x28}).op('}')
        .op('u').stop().toByteArray(), "no MARK");
    assertPickleRefused(PickleBytes.protocol(2).op(0x8c).op(2).raw(new byte[] {(byte) 0xc3, 0x28}).stop()
        .toByteArray(), "not valid UTF-8");
    assertPickleRefused(PickleBytes.protocol(2).global("collections", "OrderedDict").integer(1).op(0x85).reduce()
        .stop().toByteArray(), "OrderedDict called with 1 arguments");
    assertPickleRefused(PickleBytes.protocol(2).op('}').mark().integer(1).op('u').stop().toByteArray(),
        "odd number");
  }

  @Test
  void lengthsBeyondTheInputAreRefusedBeforeAllocating() throws IOException {
    assertPickleRefused(PickleBytes.protocol(4).op(0x8d).u64(1L << 62).toByteArray(), "truncated");
    assertPickleRefused(PickleBytes.protocol(2).op('X').u32(0xFFFF_FFFFL).toByteArray(), "truncated");
    assertPickleRefused(PickleBytes.protocol(4).op(0x8e).u64(-1).toByteArray(), "truncated");
    assertPickleRefused(PickleBytes.protocol(2).op(0x8b).u32(1 << 30).toByteArray(), "an int of");
    assertPickleRefused(PickleBytes.protocol(4).op(0x95).u64(1L << 40).toByteArray(), "frame of");
    byte[] name = new byte[10_000];
    Arrays.fill(name, (byte) 'a');
    assertPickleRefused(PickleBytes.protocol(2).op('c').raw(name).toByteArray(), "without a newline");
  }

  @Test
  void deepMarksAreBounded() throws IOException {
    PickleBytes pickle = PickleBytes.protocol(2);
    for (int i = 0; i < 100_000; i++) {
      pickle.mark();
    }
    assertPickleRefused(pickle.toByteArray(), "nested MARKs");
  }

  @Test
  void deeplyNestedValuesNeitherOverflowNorHang() throws IOException {
    // A tuple a million deep used as a dict key, and a list a million deep as a value: no recursion touches them.
    PickleBytes pickle = PickleBytes.protocol(2).op('}').op(')');
    for (int i = 0; i < 1_000_000; i++) {
      pickle.op(0x85);
    }
    pickle.op(']');
    for (int i = 0; i < 1_000_000; i++) {
      pickle.op(']').op('a');
    }
    pickle.op('s').stop();
    Path file = Files.write(dir.resolve("deep.ckpt"), TorchZip.of(pickle.toByteArray()).toByteArray());
    try (CkptFile ckpt = CkptFile.open(file)) {
      assertTrue(ckpt.names().isEmpty());
    }
  }

  @Test
  void memoBombsAreBounded() throws IOException {
    PickleBytes pickle = PickleBytes.protocol(2).op('N');
    for (long i = 0; i <= RestrictedUnpickler.MAX_MEMO; i++) {
      pickle.op('r').u32(i);
    }
    assertPickleRefused(pickle.toByteArray(), "memo entries");
  }

  @Test
  void stackBombsAreBounded() throws IOException {
    PickleBytes pickle = PickleBytes.protocol(2).op('N').op('q').op(0);
    for (int i = 0; i <= RestrictedUnpickler.MAX_STACK; i++) {
      pickle.op('h').op(0);
    }
    assertPickleRefused(pickle.toByteArray(), "values on the pickle stack");
  }

  @Test
  void sharedReferencesDoNotMultiplyWork() throws IOException {
    // The pickle analogue of a zip bomb: a list holding itself many times over, then referenced a million times.
    PickleBytes pickle = PickleBytes.protocol(2).op('}').op(']').op('q').op(0);
    for (int i = 0; i < 100_000; i++) {
      pickle.op('h').op(0).op('a');
    }
    pickle.op('0').unicode("k").op('h').op(0).op('s').stop();
    Path file = Files.write(dir.resolve("bomb.ckpt"), TorchZip.of(pickle.toByteArray()).toByteArray());
    try (CkptFile ckpt = CkptFile.open(file)) {
      assertTrue(ckpt.names().isEmpty());
    }
  }

  private interface Entries {
    PickleBytes write(PickleBytes pickle);
  }

  /** {@code {'w': <value written by entries>}}. */
  private static byte[] stateDict(Entries value) {
    return value.write(PickleBytes.protocol(2).op('}').unicode("w")).op('s').stop().toByteArray();
  }

  /** {@code {name: tensor over storage '0' of values.length floats}}. */
  private static byte[] dictOf(String name, float... values) {
    return PickleBytes.protocol(2).op('}').unicode(name)
        .tensor("FloatStorage", "0", values.length, 0, new long[] {values.length}, ONE).op('s').stop()
        .toByteArray();
  }

  private void assertPickleRefused(byte[] pickle, String fragment) throws IOException {
    assertRefused(TorchZip.of(pickle).toByteArray(), fragment);
  }

  private void assertRefused(byte[] bytes, String fragment) throws IOException {
    Path file = Files.write(dir.resolve("bad.ckpt"), bytes);
    CkptException e = assertThrows(CkptException.class, () -> CkptFile.open(file));
    assertTrue(e.getMessage().contains(fragment) && e.getMessage().startsWith(file.toString()), e.getMessage());
  }

  private static int indexOf(byte[] bytes, byte[] pattern) {
    for (int i = bytes.length - pattern.length; i >= 0; i--) {
      if (Arrays.equals(bytes, i, i + pattern.length, pattern, 0, pattern.length)) {
        return i;
      }
    }
    throw new AssertionError("pattern not found");
  }
}
