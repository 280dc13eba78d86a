package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Kernel tests that call the blocked code directly, on a pool of three workers (an odd count, as tile counts are). */
abstract class PooledTest {
  static ForkJoinPool pool;

  @BeforeAll
  static void startPool() {
    pool = new ForkJoinPool(3);
  }

  @AfterAll
  static void stopPool() {
    pool.shutdown();
  }
}
