package org.sdj.io.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoadProblemsTest {
  @Test
  void nothingToReport() {
    LoadProblems problems = new LoadProblems();
    assertTrue(problems.isEmpty());
    problems.throwIfAny("Cannot load");
  }

  @Test
  void allProblemsInOneMessage() {
    LoadProblems problems = new LoadProblems().add("a is missing");
    problems.addAll(List.of("b is wrong")).addAll(new LoadProblems().add("c is odd"));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> problems.throwIfAny("Cannot load /m"));
    assertEquals(List.of("a is missing", "b is wrong", "c is odd"), e.problems());
    assertEquals("Cannot load /m (3 problems):\n  - a is missing\n  - b is wrong\n  - c is odd", e.getMessage());
    assertEquals("Cannot load /m (1 problem):\n  - x", new ModelLoadException("Cannot load /m", List.of("x"))
        .getMessage());
  }
}
