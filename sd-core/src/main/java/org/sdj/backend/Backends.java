package org.sdj.backend;

import java.lang.System.Logger.Level;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.sdj.SdjException;

/** The registry of backend plug-ins on the class path. */
public final class Backends {
  private static final System.Logger LOG = System.getLogger(Backends.class.getName());

  /** The name that picks the best usable backend. */
  public static final String AUTO = "auto";

  private Backends() {}

  /** Every provider on the class path, best first. */
  public static List<BackendProvider> providers() {
    return ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).stream()
        .map(ServiceLoader.Provider::get)
        .sorted(Comparator.comparingInt(BackendProvider::priority).reversed())
        .toList();
  }

  /**
   * Creates the backend named {@code name}, or with {@link #AUTO} the usable one of highest priority (logging which
   * and why the better ones were passed over).
   *
   * @throws SdjException if no such backend exists or it cannot run here (with its reason)
   */
  public static Backend open(String name) {
    return open(name, BackendHints.none());
  }

  /**
   * As {@link #open(String)}, for a model described by {@code hints}.
   *
   * @throws SdjException if no such backend exists or it cannot run here (with its reason)
   */
  public static Backend open(String name, BackendHints hints) {
    List<BackendProvider> all = providers();
    if (AUTO.equals(name)) {
      return openBest(all, hints);
    }
    for (BackendProvider p : all) {
      if (p.name().equals(name)) {
        BackendProvider.Availability a = p.availability();
        if (!a.usable()) {
          throw new SdjException("backend '" + name + "' cannot run here: " + a.reason());
        }
        LOG.log(Level.INFO, "backend {0}: {1}", p.name(), a.reason());
        return p.create(hints);
      }
    }
    throw new SdjException("unknown backend '" + name + "'; known: " + AUTO + ", "
        + all.stream().map(BackendProvider::name).collect(Collectors.joining(", ")));
  }

  /**
   * The first of {@code providers} (best first) that is usable and starts; one that says it is usable but fails to
   * start (a GPU library that loads but cannot initialize) is logged and passed over too.
   */
  static Backend openBest(List<BackendProvider> providers, BackendHints hints) {
    for (BackendProvider p : providers) {
      BackendProvider.Availability a = p.availability();
      if (!a.usable()) {
        LOG.log(Level.INFO, "backend {0} passed over: {1}", p.name(), a.reason());
        continue;
      }
      try {
        Backend backend = p.create(hints);
        LOG.log(Level.INFO, "backend {0}: {1}", p.name(), a.reason());
        return backend;
      } catch (SdjException e) {
        LOG.log(Level.WARNING, "backend {0} could not start, passed over: {1}", p.name(), e.getMessage());
      }
    }
    throw new SdjException("no usable backend on the class path (add sd-cpu)");
  }
}
