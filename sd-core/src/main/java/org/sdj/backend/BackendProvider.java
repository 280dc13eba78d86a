package org.sdj.backend;

/**
 * A backend plug-in, found with {@link java.util.ServiceLoader}: it says whether it can run here and why not, and
 * creates backends.
 */
public interface BackendProvider {

  /** Short name users pick it by ({@code cpu}, {@code cuda}, {@code reference}). */
  String name();

  /** Preference for {@code auto}: the usable provider with the highest priority wins. */
  int priority();

  /** Whether this backend can run on this machine, and if not, why (a missing library, no device, ...). */
  Availability availability();

  /** Creates a backend; call only when {@link #availability()} is usable. */
  Backend create();

  /**
   * Creates a backend suited to a model ({@link BackendHints}); call only when {@link #availability()} is usable.
   * Providers whose backends are the same for every model need not override this.
   */
  default Backend create(BackendHints hints) {
    return create();
  }

  /**
   * @param usable whether the backend can run here
   * @param reason what was found ("CUDA 13.0, NVIDIA H100") or what is missing ("libcudnn.so.9 not found")
   */
  record Availability(boolean usable, String reason) {
    public static Availability usable(String reason) {
      return new Availability(true, reason);
    }

    public static Availability unusable(String reason) {
      return new Availability(false, reason);
    }
  }
}
