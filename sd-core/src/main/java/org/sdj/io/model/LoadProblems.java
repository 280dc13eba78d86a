package org.sdj.io.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Collects everything wrong with a model before failing, so that one {@link ModelLoadException} lists all of it
 * (missing files, unusable config values, weights whose names or shapes don't match) instead of one fix per attempt.
 *
 * <p>Each problem is one self-contained line that says where (file, key or tensor) and what to fix. Not thread-safe.
 */
public final class LoadProblems {
  private final List<String> problems = new ArrayList<>();

  /** Records one problem. */
  public LoadProblems add(String problem) {
    problems.add(problem);
    return this;
  }

  /** Records several problems, in order. */
  public LoadProblems addAll(Collection<String> more) {
    problems.addAll(more);
    return this;
  }

  /** Records every problem of {@code other}. */
  public LoadProblems addAll(LoadProblems other) {
    return addAll(other.problems);
  }

  /** Whether nothing has been recorded. */
  public boolean isEmpty() {
    return problems.isEmpty();
  }

  /** The problems recorded so far, in order; a copy. */
  public List<String> list() {
    return List.copyOf(problems);
  }

  /**
   * Throws if any problem was recorded.
   *
   * @param context what was being loaded, for the exception's first line, e.g. {@code "Cannot load /models/sd15"}
   * @throws ModelLoadException listing every problem
   */
  public void throwIfAny(String context) {
    if (!problems.isEmpty()) {
      throw new ModelLoadException(context, problems);
    }
  }
}
