package org.sdj.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.io.Corruption;
import org.sdj.backend.DType;

/**
 * Corrupts valid files at random (fixed seeds) and checks that each one is either refused with a SafetensorsException or
 * read completely without any other failure.
 */
class SafeTensorsCorruptionTest {
  private static final int ITERATIONS = 400;
  private static final DType[] DTYPES = {DType.F32, DType.F16, DType.BF16, DType.I64, DType.U8, DType.BOOL};
  private static final byte[] HEADER_EDITS = "0123456789-,:[]{}\" eE.".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  @Test
  void corruptedFilesFailCleanlyOrReadCleanly() {
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      for (int iteration = 0; iteration < ITERATIONS; iteration++) {
        Random random = new Random(1234L + iteration);
        byte[] valid = validFile(random);
        byte[] corrupt = corrupt(valid, random, iteration % 5);
        Path file = Files.write(dir.resolve("case" + iteration + ".safetensors"), corrupt);
        try {
          readEverything(file);
          outcomes[0]++;
        } catch (SafetensorsException expected) {
          outcomes[1]++;
        } catch (Throwable other) {
          fail("iteration " + iteration + " (seed " + (1234L + iteration) + ") threw " + other, other);
        }
        Files.delete(file);
      }
    });
    assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "read " + outcomes[0] + ", refused " + outcomes[1]);
  }

  private byte[] validFile(Random random) throws IOException {
    SafeTensorsWriter writer = SafeTensorsWriter.create();
    if (random.nextBoolean()) {
      writer.metadata("format", "pt");
    }
    int count = 1 + random.nextInt(4);
    for (int t = 0; t < count; t++) {
      DType dtype = DTYPES[random.nextInt(DTYPES.length)];
      long[] shape = new long[random.nextInt(4)];
      int numel = 1;
      for (int d = 0; d < shape.length; d++) {
        shape[d] = random.nextInt(5);
        numel *= (int) shape[d];
      }
      String name = "t" + t + ".weight";
      if (dtype.isFloatConvertible()) {
        float[] values = new float[numel];
        for (int i = 0; i < numel; i++) {
          values[i] = (float) random.nextGaussian();
        }
        writer.add(name, dtype, shape, values);
      } else {
        byte[] raw = new byte[numel * dtype.byteSize()];
        random.nextBytes(raw);
        writer.add(name, dtype, shape, raw);
      }
    }
    Path file = dir.resolve("valid.safetensors");
    writer.write(file);
    return Files.readAllBytes(file);
  }

  private static byte[] corrupt(byte[] valid, Random random, int kind) {
    byte[] bytes = valid.clone();
    int headerEnd = 8 + (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
    switch (kind) {
      case 0 -> {
        return Arrays.copyOf(bytes, random.nextInt(bytes.length));
      }
      case 1 -> Corruption.flipBits(bytes, random, 8, headerEnd);
      case 2 -> {
        if (headerEnd < bytes.length) {
          Corruption.flipBits(bytes, random, headerEnd, bytes.length);
        }
      }
      case 3 -> {
        for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
          bytes[8 + random.nextInt(headerEnd - 8)] = HEADER_EDITS[random.nextInt(HEADER_EDITS.length)];
        }
      }
      default -> Corruption.flipBits(bytes, random, 0, 8);
    }
    return bytes;
  }


  private static void readEverything(Path file) {
    try (SafeTensorsFile source = SafeTensorsFile.open(file)) {
      Corruption.readEverything(source);
    }
  }
}
