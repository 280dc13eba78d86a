package org.sdj.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.sdj.backend.Backend;
import org.sdj.io.StrictJson;
import org.sdj.io.TestFixtures;

/**
 * The data-driven conformance suite: every subfolder of the fixtures root ({@code -Dsdj.fixtures}, default
 * {@code ../shared/fixtures}) that holds a {@code cases.json} is a case set, and every case in it runs by its
 * {@code kind} as a test of its own, named after its set and index. New case sets of the same format need no code.
 * Each backend module runs the suite by naming its backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ConformanceSuite {
  private final List<CaseSet> sets = new ArrayList<>();
  private final AtomicInteger run = new AtomicInteger();
  private final AtomicInteger passed = new AtomicInteger();
  private Backend backend;

  /** The backend under test; the suite closes it at the end. */
  protected abstract Backend createBackend();

  /** How close the backend must come to the oracles: the float32 tolerances unless it computes in less. */
  protected Tolerances tolerances() {
    return Tolerances.FLOAT32;
  }

  /** The folder whose case sets run: {@code -Dsdj.fixtures}, else {@code ../shared/fixtures}. */
  protected Path fixturesRoot() throws IOException {
    return TestFixtures.root();
  }

  @TestFactory
  Stream<DynamicNode> conformance() throws IOException {
    backend = createBackend();
    Path root = fixturesRoot();
    List<Path> dirs;
    try (Stream<Path> list = Files.list(root)) {
      dirs = list.filter(d -> Files.isRegularFile(d.resolve("cases.json"))).sorted().toList();
    }
    List<DynamicNode> nodes = new ArrayList<>();
    for (Path dir : dirs) {
      JsonNode json = StrictJson.readObject(dir.resolve("cases.json"));
      CaseSet set = new CaseSet(dir, json, backend, tolerances());
      sets.add(set);
      List<DynamicTest> tests = new ArrayList<>();
      JsonNode cases = json.path("cases");
      for (int i = 0; i < cases.size(); i++) {
        JsonNode c = cases.get(i);
        String name = dir.getFileName() + "[" + i + "] " + CaseSet.kindOf(c) + " " + label(c);
        tests.add(DynamicTest.dynamicTest(name, () -> {
          run.incrementAndGet();
          set.run(c);
          passed.incrementAndGet();
        }));
      }
      nodes.add(DynamicContainer.dynamicContainer(dir.getFileName().toString(), tests));
    }
    return nodes.stream();
  }

  private static String label(JsonNode c) {
    for (String field : new String[] {"name", "scheduler", "output", "prompt"}) {
      if (c.hasNonNull(field)) {
        String s = c.get(field).asText();
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
      }
    }
    return "";
  }

  @AfterAll
  void report() {
    sets.forEach(CaseSet::close);
    if (backend != null) {
      // Test output, not library output: the issue asks for the case count to be visible in the build log.
      System.out.printf("conformance on backend %s: %d of %d cases passed in %d case sets%n", backend.name(),
          passed.get(), run.get(), sets.size());
      backend.close();
    }
  }
}
