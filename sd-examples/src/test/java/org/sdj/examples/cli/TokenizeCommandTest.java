package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code sdj} in-process and checks its output, error line and exit status. */
class TokenizeCommandTest {
  private static final String ASTRONAUT_IDS_START =
      "[49406,320,1125,539,550,18376,6765,320,4558,525,7496,49407,49407,";

  private record Run(int status, String out, String err) {
    void assertOneErrorLine(int expectedStatus, String messagePart) {
      assertEquals(expectedStatus, status, err);
      assertEquals("", out);
      assertTrue(err.startsWith("sdj: "), err);
      assertEquals(1, err.lines().count(), err);
      assertTrue(err.contains(messagePart), err);
    }
  }

  private static Run sdj(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = SdjCommand.newCommandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
    return new Run(status, out.toString(), err.toString());
  }

  private static Path fixtures() {
    String property = System.getProperty("sdj.fixtures");
    return property != null ? Path.of(property) : Path.of("..", "..", "shared", "fixtures");
  }

  @Test
  void printsTheInputIdsOfAPipelineFolderAsOneJsonLine() {
    Run run =
        sdj(
            "tokenize",
            "--model",
            fixtures().resolve("tiny-sd1").toString(),
            "a photo of an astronaut riding a horse on mars");
    assertEquals(0, run.status(), run.err());
    assertEquals("", run.err());
    String line = run.out().strip();
    assertEquals(1, run.out().lines().count());
    assertTrue(line.startsWith(ASTRONAUT_IDS_START), line);
    assertTrue(line.endsWith(",49407]"), line);
    assertEquals(77, line.split(",").length);
  }

  @Test
  void acceptsATokenizerFolderItself() {
    Run run =
        sdj(
            "tokenize",
            "--model",
            fixtures().resolve("clip-tokenizer").toString(),
            "a photo of an astronaut riding a horse on mars");
    assertEquals(0, run.status(), run.err());
    assertTrue(run.out().startsWith(ASTRONAUT_IDS_START), run.out());
  }

  @Test
  void missingModelOptionIsAUsageError() {
    sdj("tokenize", "a dog")
        .assertOneErrorLine(2, "Missing required option: '--model=DIR' (see 'sdj tokenize --help')");
  }

  @Test
  void missingTextIsAUsageError() {
    sdj("tokenize", "--model", fixtures().resolve("tiny-sd1").toString()).assertOneErrorLine(2, "TEXT");
  }

  @Test
  void unknownOptionIsAUsageError() {
    sdj("tokenize", "--model", fixtures().resolve("tiny-sd1").toString(), "--seed", "1", "a dog")
        .assertOneErrorLine(2, "'--seed'");
  }

  @Test
  void noCommandIsAUsageError() {
    sdj().assertOneErrorLine(2, "Missing a command (see 'sdj --help')");
  }

  @Test
  void missingModelFolderIsAFailure(@TempDir Path dir) {
    Path missing = dir.resolve("no-such-model");
    sdj("tokenize", "--model", missing.toString(), "a dog")
        .assertOneErrorLine(1, missing + " does not exist");
  }

  @Test
  void folderWithoutATokenizerIsAFailure(@TempDir Path dir) {
    sdj("tokenize", "--model", dir.toString(), "a dog").assertOneErrorLine(1, "no tokenizer/ inside");
  }

  @Test
  void corruptTokenizerIsAFailureWithoutStackTrace(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("vocab.json"), "{broken");
    sdj("tokenize", "--model", dir.toString(), "a dog")
        .assertOneErrorLine(1, "vocab.json: not valid JSON");
  }

  @Test
  void verboseAddsTheStackTraceBeforeTheErrorLine(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("vocab.json"), "{broken");
    for (String[] args :
        new String[][] {
          {"--verbose", "tokenize", "--model", dir.toString(), "a dog"},
          {"tokenize", "--verbose", "--model", dir.toString(), "a dog"}
        }) {
      Run run = sdj(args);
      assertEquals(1, run.status());
      assertTrue(run.err().contains("\tat org.sdj."), run.err());
      assertTrue(run.err().strip().lines().reduce((a, b) -> b).orElseThrow().startsWith("sdj: "), run.err());
    }
  }

  @Test
  void helpGoesToStandardOutput() {
    Run run = sdj("tokenize", "--help");
    assertEquals(0, run.status());
    assertTrue(run.out().contains("--model=DIR"), run.out());
    assertFalse(run.out().isEmpty());
    assertEquals("", run.err());
  }
}
