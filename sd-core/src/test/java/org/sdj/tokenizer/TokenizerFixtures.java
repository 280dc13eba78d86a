package org.sdj.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shared CLIP tokenizer fixture lives, and copies of it that tests may change. */
final class TokenizerFixtures {
  static final ObjectMapper JSON = new ObjectMapper();

  private TokenizerFixtures() {}

  static Path fixtures() {
    String property = System.getProperty("sdj.fixtures");
    Path dir = property != null ? Path.of(property) : Path.of("..", "..", "shared", "fixtures");
    assertTrue(Files.isDirectory(dir), "fixtures folder not found: " + dir.toAbsolutePath());
    return dir;
  }

  /** The SD 1.x CLIP tokenizer: vocab.json and merges.txt, no config files. */
  static Path clipTokenizerDir() {
    return fixtures().resolve("clip-tokenizer");
  }

  /** Copies vocab.json and merges.txt into {@code dir}, so that tests can add config files or break files. */
  static Path copyOfClipTokenizer(Path dir) {
    try {
      for (String name : new String[] {"vocab.json", "merges.txt"}) {
        Files.copy(clipTokenizerDir().resolve(name), dir.resolve(name));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  static Path write(Path dir, String name, String content) {
    try {
      return Files.writeString(dir.resolve(name), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path writeResource(Path dir, String resource, String name) {
    try (InputStream in = TokenizerFixtures.class.getResourceAsStream(resource)) {
      Files.copy(in, dir.resolve(name));
      return dir.resolve(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode readResourceJson(String resource) {
    try (InputStream in = TokenizerFixtures.class.getResourceAsStream(resource)) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int[] ints(JsonNode array) {
    int[] values = new int[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asInt();
    }
    return values;
  }

  /** A readable test name for a prompt: escaped, shortened. */
  static String displayName(String prompt) {
    StringBuilder name = new StringBuilder();
    prompt.codePoints()
        .limit(60)
        .forEach(
            cp -> {
              if (cp < 0x20 || cp == 0x7F) {
                name.append(String.format("\\x%02x", cp));
              } else {
                name.appendCodePoint(cp);
              }
            });
    return "'" + name + (prompt.codePointCount(0, prompt.length()) > 60 ? "...'" : "'");
  }
}
