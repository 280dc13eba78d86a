package org.sdj.examples;

import org.sdj.ConcurrencyTest;

/** Two requests at once on one engine, on the CPU backend the {@code sdj} command uses. */
class CpuConcurrencyTest extends ConcurrencyTest {
  @Override
  protected String backend() {
    return "cpu";
  }
}
