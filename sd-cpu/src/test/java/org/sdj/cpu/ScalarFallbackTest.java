package org.sdj.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Without {@code --add-modules jdk.incubator.vector} the backend still runs, on the scalar kernels, and says so in
 * exactly one warning that tells how to enable the fast path. Checked in a child JVM started without the module.
 */
class ScalarFallbackTest {
  /** The child's main: prints what the provider chose. */
  public static final class Probe {
    public static void main(String[] args) {
      System.out.println("chosen: " + SimdProvider.get().describe());
      System.out.println("again: " + SimdProvider.get().describe());
    }
  }

  @Test
  void withoutTheModuleTheScalarKernelsRunAndOneWarningSaysWhy() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Probe.class.getName())
        .redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("chosen: scalar Java kernels"), out);
    List<String> warnings = out.lines().filter(l -> l.contains("--add-modules jdk.incubator.vector")).toList();
    assertEquals(1, warnings.size(), out);
    assertTrue(warnings.get(0).startsWith("WARNING"), out);
  }
}
