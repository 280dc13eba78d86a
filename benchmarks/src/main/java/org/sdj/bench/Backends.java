package org.sdj.bench;

import org.sdj.backend.Backend;
import org.sdj.bench.torch.TorchBackend;
import org.sdj.cpu.CpuBackend;

/** The two backends every benchmark runs on, with the same thread count. */
public final class Backends {
  /** sdj's pure-Java CPU backend. */
  public static final String SDJ = "sdj-cpu";
  /** The libtorch baseline. */
  public static final String TORCH = "libtorch";

  private Backends() {}

  /** Threads both backends use: {@code -Dsdj.bench.threads}, else every processor. */
  public static int threads() {
    return Integer.getInteger("sdj.bench.threads", Runtime.getRuntime().availableProcessors());
  }

  /** A new backend by name ({@link #SDJ} or {@link #TORCH}). */
  public static Backend open(String name) {
    return switch (name) {
      case SDJ -> new CpuBackend(threads());
      case TORCH -> new TorchBackend(threads());
      default -> throw new IllegalArgumentException("unknown backend '" + name + "'; use " + SDJ + " or " + TORCH);
    };
  }
}
