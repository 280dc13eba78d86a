package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sdj.io.TestFixtures;

/** Runs {@code sdj} in-process, as the tests of the generation commands do. */
final class Sdj {
  private Sdj() {}

  /** What one run gave: its exit status and everything it wrote. */
  record Run(int status, String out, String err) {
    void assertSuccess() {
      assertEquals(0, status, err);
    }

    /** A failure reported as exactly one {@code sdj: ...} line (no stack trace) holding every part given. */
    void assertOneErrorLine(int expectedStatus, String... parts) {
      assertEquals(expectedStatus, status, err);
      assertEquals("", out);
      assertTrue(err.startsWith("sdj: "), err);
      assertEquals(1, err.lines().count(), err);
      assertFalse(err.contains("\tat "), err);
      for (String part : parts) {
        assertTrue(err.contains(part), "'" + part + "' missing from: " + err);
      }
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = SdjCommand.newCommandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    return new Run(status, out.toString(), err.toString());
  }

  static Run run(List<String> args) {
    return run(args.toArray(String[]::new));
  }

  /** The tiny fixture model. */
  static Path tinyModel() {
    return TestFixtures.path("tiny-sd1");
  }

  /**
   * {@code generate} on the tiny model with the CPU backend at 64x64, two Euler steps and seed 1, writing to
   * {@code output}, with {@code more}: an option given here replaces its value above (picocli takes each option once),
   * any other argument is added.
   */
  static List<String> smallGenerate(Path output, String... more) {
    List<String> args = new ArrayList<>(List.of("generate", "--model", tinyModel().toString(), "--backend", "cpu",
        "--prompt", "an otter", "--width", "64", "--height", "64", "--steps", "2", "--scheduler", "euler",
        "--seed", "1", "--output", output.toString()));
    for (int i = 0; i < more.length; i++) {
      int at = more[i].startsWith("--") ? args.indexOf(more[i]) : -1;
      if (at >= 0) {
        args.set(at + 1, more[++i]);
      } else {
        args.add(more[i]);
      }
    }
    return args;
  }
}
