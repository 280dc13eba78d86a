package org.sdj.io.hub;

import java.net.http.HttpResponse;
import java.util.Optional;

/** Turns the Hub's failure answers into {@link HubException}s that say what to do. */
final class HubErrors {
  private HubErrors() {}

  /**
   * The error for a non-success answer, using the Hub's {@code X-Error-Code} header (RepoNotFound, RevisionNotFound,
   * EntryNotFound, GatedRepo) where it has one.
   *
   * @param file the repository file asked for; empty for the model API
   */
  static HubException forStatus(HttpResponse<?> response, ModelId id, Optional<String> file, HubOptions options) {
    int status = response.statusCode();
    String code = response.headers().firstValue("X-Error-Code").orElse("");
    String repo = id.repoId();
    if (status == 401 || status == 403 || code.equals("GatedRepo")) {
      String tokenHint =
          options.token().isPresent()
              ? " (a token was sent: it is invalid or its account has no access to " + repo + ")"
              : "";
      String missingHint = status == 401 ? "; the Hub also answers 401 for a repository that does not exist" : "";
      return new HubException(
          HubException.Kind.ACCESS_DENIED,
          repo + " is a gated or private model (HTTP " + status + "): accept its licence on the Hub and set HF_TOKEN"
              + tokenHint + missingHint);
    }
    if (status == 404) {
      if (code.equals("RevisionNotFound")) {
        return notFound("revision \"" + id.revision() + "\" not found in repository " + repo);
      }
      if (file.isPresent() && !code.equals("RepoNotFound")) {
        return notFound("file " + file.get() + " not found in repository " + repo + " at revision " + id.revision());
      }
      return notFound("repository " + repo + " not found on " + options.endpoint() + ": check the model id");
    }
    String message = response.headers().firstValue("X-Error-Message").map(m -> ": " + m).orElse("");
    return new HubException(
        HubException.Kind.BAD_RESPONSE,
        "the Hub answered HTTP " + status + " for " + response.uri() + message
            + (status >= 500 ? " (the Hub may be down: try again later)" : ""));
  }

  /** The error for a Hub that cannot be reached at all. */
  static HubException unreachable(HubOptions options, String what, Exception cause) {
    return new HubException(
        HubException.Kind.NETWORK,
        "cannot reach the Hugging Face Hub at " + options.endpoint() + ": " + what + " (" + cause + "). Check the"
            + " network, or set HF_HUB_OFFLINE=1 to use models already in the cache without it",
        cause);
  }

  private static HubException notFound(String message) {
    return new HubException(HubException.Kind.NOT_FOUND, message);
  }
}
