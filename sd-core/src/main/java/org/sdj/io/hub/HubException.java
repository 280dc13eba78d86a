package org.sdj.io.hub;

import java.util.Objects;
import org.sdj.SdjException;

/** A model could not be resolved from the Hugging Face Hub or its cache; {@link #kind()} says why. */
public final class HubException extends SdjException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, for callers that react differently (e.g. a CLI choosing its hint). */
  public enum Kind {
    /** The model id or revision is not of the form {@code org/name[@revision]}. */
    INVALID_ID,
    /** HTTP 401/403: a gated or private repository and no (or an insufficient) token. */
    ACCESS_DENIED,
    /** HTTP 404: the repository, the revision or a file does not exist. */
    NOT_FOUND,
    /** The Hub could not be reached: no network, connection refused, time-out. */
    NETWORK,
    /** Offline mode and the model (or a file it needs) is not in the cache. */
    NOT_CACHED,
    /** A downloaded file's size or sha256 differs from what the Hub announced. */
    CHECKSUM_MISMATCH,
    /** The Hub answered something unexpected: a server error, missing headers, malformed JSON. */
    BAD_RESPONSE,
    /** The repository is not a diffusers Stable Diffusion pipeline (e.g. a component has no weights). */
    UNSUPPORTED_MODEL,
    /** The cache folder could not be read or written. */
    CACHE_IO
  }

  private final Kind kind;

  public HubException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public HubException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  /** Why the model could not be resolved. */
  public Kind kind() {
    return kind;
  }
}
