package org.sdj.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A fixtures folder without the cases of some kinds, for a conformance suite on the CPU emulator, where a whole
 * txt2img run takes minutes: the real folder is copied into {@code into} (copies, not links, which JUnit's
 * {@code @TempDir} warns about), except that each case set's {@code cases.json} is rewritten without the cases of the
 * kinds left out.
 */
final class FixtureSubset {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FixtureSubset() {}

  /** {@code into}, filled from {@code root} without the cases whose {@code kind} is in {@code leftOut}. */
  static Path without(Path root, Set<String> leftOut, Path into) throws IOException {
    try (Stream<Path> entries = Files.list(root)) {
      for (Path entry : entries.toList()) {
        Path target = into.resolve(entry.getFileName().toString());
        Path cases = entry.resolve("cases.json");
        copy(entry, target);
        if (!Files.isRegularFile(cases)) {
          continue;
        }
        ObjectNode set = (ObjectNode) JSON.readTree(cases.toFile());
        ArrayNode kept = JSON.createArrayNode();
        for (JsonNode c : set.path("cases")) {
          if (!leftOut.contains(c.path("kind").asText())) {
            kept.add(c);
          }
        }
        set.set("cases", kept);
        JSON.writeValue(target.resolve("cases.json").toFile(), set);
      }
    }
    return into;
  }

  /** The tree at {@code from} but a case set's {@code cases.json}, which is written anew. */
  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> tree = Files.walk(from)) {
      for (Path p : tree.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.equals(from.resolve("cases.json"))) {
          Files.copy(p, target);
        }
      }
    }
  }
}
