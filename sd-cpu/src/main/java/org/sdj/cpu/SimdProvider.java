package org.sdj.cpu;

import java.lang.System.Logger.Level;

/**
 * Chooses the {@link Simd} implementation once per JVM, as Lucene's {@code VectorizationProvider} does: the Vector API
 * path when the incubator module {@code jdk.incubator.vector} is in the boot layer, else the scalar path with one
 * warning that says how to enable the fast one. {@code -Dsdj.cpu.scalar=true} forces the scalar path.
 */
final class SimdProvider {
  /** System property that forces the scalar kernels (for comparisons and for tests). */
  static final String FORCE_SCALAR = "sdj.cpu.scalar";

  private static final System.Logger LOG = System.getLogger(SimdProvider.class.getName());
  private static final String MODULE = "jdk.incubator.vector";

  private SimdProvider() {}

  /** The implementation this JVM runs, chosen on first use. */
  static Simd get() {
    return Holder.INSTANCE;
  }

  /** The plain-Java implementation, whatever the JVM offers. */
  static Simd scalar() {
    return new ScalarSimd();
  }

  private static final class Holder {
    static final Simd INSTANCE = choose();
  }

  private static Simd choose() {
    if (Boolean.getBoolean(FORCE_SCALAR)) {
      LOG.log(Level.INFO, "CPU backend: scalar kernels, as -D" + FORCE_SCALAR + "=true asks");
      return scalar();
    }
    if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
      LOG.log(Level.WARNING, "CPU backend: the Vector API module " + MODULE + " is not enabled, so the slow scalar"
          + " kernels run; start java with --add-modules " + MODULE + " for the fast ones");
      return scalar();
    }
    try {
      // By name, so that this class links without the incubator module.
      return (Simd) Class.forName(SimdProvider.class.getPackageName() + ".VectorSimd")
          .getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      LOG.log(Level.WARNING, "CPU backend: the Vector API kernels failed to load (" + e
          + "), so the slow scalar kernels run");
      return scalar();
    }
  }
}
