package org.sdj.bench;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;

/**
 * What every benchmark shares: the backend parameter (sdj and libtorch, run one after the other for each shape), a
 * backend with the same thread count for both, a scope for operands, and the JVM flags sdj needs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-Xmx8g"})
public abstract class BackendBenchmark {
  @Param({Backends.SDJ, Backends.TORCH})
  public String backend;

  protected Backend opened;
  protected Ops ops;
  protected final Arena arena = Arena.ofShared();

  /** Opens the backend and an operand scope; subclasses call it first in their setup. */
  protected void open() {
    opened = Backends.open(backend);
    ops = opened.ops();
  }

  @TearDown(Level.Trial)
  public void close() {
    ops.close();
    opened.close();
    arena.close();
  }
}
