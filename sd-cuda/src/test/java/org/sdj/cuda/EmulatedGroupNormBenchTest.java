package org.sdj.cuda;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GroupNormBench's run on the emulator, timed by the host's clock (every emulated call completes as it returns): a
 * line per chunking, its three kernels launched apart as the GPU run launches them, each timed; then the one-kernel
 * group norm's line (32 pixels per block).
 */
class EmulatedGroupNormBenchTest {
  @Test
  void printsALinePerShapeAndChunking() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (CudaBackend backend = HostDevice.backend(CudaOptions.defaults())) {
      GroupNormBench.run(backend, (parts, iterations) -> {
        double[] us = new double[parts.size()];
        for (int i = 0; i < us.length; i++) {
          long t0 = System.nanoTime();
          for (int k = 0; k < iterations; k++) {
            parts.get(i).run();
          }
          us[i] = (System.nanoTime() - t0) / 1e3 / iterations;
        }
        return us;
      }, new int[][] {{64, 256}}, 1, new PrintStream(bytes, true, UTF_8));
    }
    List<String> lines = bytes.toString(UTF_8).lines().toList();
    assertEquals(5, lines.size(), String.join("\n", lines));
    assertTrue(lines.get(1).startsWith("[2, 256, 64]"), lines.get(1));
    for (String line : lines.subList(1, 4)) {
      String[] f = line.replaceFirst("^\\[[^]]*\\]", "").trim().split(" +");
      assertEquals(7, f.length, line);
      assertEquals(8, Integer.parseInt(f[1]), "chunks of 32 pixels (2048 elements at least) " + line);
      assertTrue(Arrays.stream(f, 2, 6).mapToDouble(Double::parseDouble).allMatch(v -> v > 0), line);
    }
    String[] cluster = lines.get(4).replaceFirst("^\\[[^]]*\\]", "").trim().split(" +");
    assertEquals(List.of("cluster", "32", "-", "-", "-"), List.of(cluster).subList(0, 5), lines.get(4));
    assertTrue(Double.parseDouble(cluster[5]) > 0, lines.get(4));
  }
}
