package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.sdj.backend.DType;

/**
 * The CPU emulator of sdj's kernels (src/test/emu), built once per test JVM by build-emu.sh into
 * {@code target/emu}. Tests that need it skip, naming the build log, where it cannot be built (no g++ or no CUDA
 * headers, or a compile error); {@code -Dsdj.emu.required=true} turns that skip into a failure, for machines that are
 * known to have both, and so does a build of this module that compiled the kernels with nvcc (its ptxas report
 * exists): nvcc brings the headers and needs a host compiler, so there a skip can only hide a broken emulator.
 */
final class EmulatedKernels {
  private EmulatedKernels() {}

  private static final long BUILD_TIMEOUT_MINUTES = 5;

  private record Build(EmulatedDispatch dispatch, String log) {}

  private static final class Holder {
    static final Build BUILD = build();
  }

  /** A launcher of {@code type}'s kernels on the emulator; aborts the calling test when the emulator is absent. */
  static Launcher launcher(DType type) {
    return new Launcher(dispatch(), type);
  }

  /** The emulator; aborts the calling test (or class, from a {@code @BeforeAll}) when it could not be built. */
  static EmulatedDispatch dispatch() {
    Build b = Holder.BUILD;
    if (b.dispatch() == null) {
      String why = "CPU kernel emulator unavailable: " + b.log();
      if (Boolean.getBoolean("sdj.emu.required") || kernelsBuiltHere()) {
        fail(why);
      }
      Assumptions.abort(why);
    }
    return b.dispatch();
  }

  /** Whether nvcc compiled this module's kernels (the ptxas report that PtxasReportTest reads is there). */
  private static boolean kernelsBuiltHere() {
    return Files.isRegularFile(Path.of(System.getProperty("sdj.cuda.ptxasReport", "target/cuda/ptxas-report.txt")));
  }

  private static Build build() {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    Path script = module.resolve("src/test/emu/build-emu.sh");
    Path out = module.resolve("target/emu");
    if (!Files.isRegularFile(script)) {
      return new Build(null, "no " + script);
    }
    try {
      Process p = new ProcessBuilder("bash", script.toString(), out.toString()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] output = p.getInputStream().readAllBytes();
      if (!p.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return new Build(null, "build-emu.sh took over " + BUILD_TIMEOUT_MINUTES + " minutes");
      }
      String log = new String(output, StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0) {
        return new Build(null, "build-emu.sh exited " + p.exitValue() + ": " + log);
      }
      return new Build(new EmulatedDispatch(out.resolve("libsdjemu.so").toAbsolutePath()), log);
    } catch (IOException e) {
      return new Build(null, "cannot run build-emu.sh: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Build(null, "interrupted while building the emulator");
    }
  }
}
