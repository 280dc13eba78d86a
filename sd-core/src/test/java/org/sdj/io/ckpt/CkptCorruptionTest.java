package org.sdj.io.ckpt;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.io.Corruption;

/**
 * Corrupts torch-written checkpoints at random (fixed seeds) and checks that each one is either refused with a
 * CkptException or read completely without any other failure.
 */
class CkptCorruptionTest {
  private static final int ITERATIONS = 480;
  private static final String[] FIXTURES = {CkptFixtures.SD_STYLE, CkptFixtures.VIEWS, CkptFixtures.PROTOCOL4, CkptFixtures.MODULE};
  /** Opcodes and small operands, so that overwritten pickle bytes often still parse a little way. */
  private static final byte[] PICKLE_EDITS = {
      '(', ')', ']', '}', 't', 'R', 'b', 'Q', 'q', 'h', 'X', 'K', 'J', 'M', 's', 'u', 'a', 'e', '.', 'N', 0, 1, 2,
      (byte) 0x85, (byte) 0x86, (byte) 0x87, (byte) 0x8a, (byte) 0x93, (byte) 0x94, (byte) 0xff};

  @TempDir Path dir;

  @Test
  void corruptedCheckpointsFailCleanlyOrReadCleanly() {
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      for (int iteration = 0; iteration < ITERATIONS; iteration++) {
        long seed = 4321L + iteration;
        Random random = new Random(seed);
        byte[] valid = CkptFixtures.bytes(FIXTURES[iteration % FIXTURES.length]);
        byte[] corrupt = corrupt(valid, random, (iteration / FIXTURES.length) % 5);
        Path file = Files.write(dir.resolve("case" + iteration + ".ckpt"), corrupt);
        try {
          readEverything(file);
          outcomes[0]++;
        } catch (CkptException expected) {
          outcomes[1]++;
        } catch (Throwable other) {
          fail("iteration " + iteration + " (seed " + seed + ") threw " + other, other);
        }
        Files.delete(file);
      }
    });
    assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "read " + outcomes[0] + ", refused " + outcomes[1]);
  }

  private static byte[] corrupt(byte[] valid, Random random, int kind) {
    byte[] bytes = valid.clone();
    MemorySegment whole = MemorySegment.ofArray(valid);
    ZipDirectory zip = ZipDirectory.read(Path.of("fixture"), whole);
    ZipDirectory.Record pickle = zip.records().values().stream()
        .filter(r -> r.name().endsWith("/data.pkl")).findFirst().orElseThrow();
    int pickleStart = (int) pickle.offset();
    int pickleEnd = (int) (pickle.offset() + pickle.size());
    int directory = firstIndexOf(valid, new byte[] {'P', 'K', 1, 2});
    switch (kind) {
      case 0 -> {
        return Arrays.copyOf(bytes, random.nextInt(bytes.length));
      }
      case 1 -> Corruption.flipBits(bytes, random, 0, bytes.length);
      case 2 -> Corruption.flipBits(bytes, random, pickleStart, pickleEnd);
      case 3 -> {
        for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
          bytes[pickleStart + random.nextInt(pickleEnd - pickleStart)] =
              PICKLE_EDITS[random.nextInt(PICKLE_EDITS.length)];
        }
      }
      default -> Corruption.flipBits(bytes, random, directory - 200, bytes.length);
    }
    return bytes;
  }


  private static int firstIndexOf(byte[] bytes, byte[] pattern) {
    for (int i = 0; i + pattern.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + pattern.length, pattern, 0, pattern.length)) {
        return i;
      }
    }
    throw new AssertionError("pattern not found");
  }

  private static void readEverything(Path file) {
    try (CkptFile source = CkptFile.open(file)) {
      Corruption.readEverything(source);
    }
  }
}
