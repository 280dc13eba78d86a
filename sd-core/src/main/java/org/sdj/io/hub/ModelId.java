package org.sdj.io.hub;

import java.util.regex.Pattern;

/**
 * A Hub repository id {@code org/name} and a revision (branch, tag or commit hash), parsed from
 * {@code org/name[@revision]}.
 */
record ModelId(String repoId, String revision) {
  static final String DEFAULT_REVISION = "main";

  // huggingface_hub's rule for one part of a repo id: word characters, '-' and '.', not at either end for '-' / '.'.
  private static final Pattern NAME_PART = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?");
  private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9_.\\-/]{1,255}");
  private static final int MAX_REPO_ID_LENGTH = 96;

  /** Parses {@code org/name} or {@code org/name@revision}; the revision defaults to {@code main}. */
  static ModelId parse(String text) {
    String problem = problem(text);
    if (problem != null) {
      throw new HubException(
          HubException.Kind.INVALID_ID,
          "\"" + text + "\" is not a Hub model id: " + problem + " (expected org/name or org/name@revision, e.g."
              + " stable-diffusion-v1-5/stable-diffusion-v1-5@main)");
    }
    int at = text.indexOf('@');
    return at < 0 ? new ModelId(text, DEFAULT_REVISION) : new ModelId(text.substring(0, at), text.substring(at + 1));
  }

  /** Whether {@link #parse} accepts {@code text}. */
  static boolean isValid(String text) {
    return problem(text) == null;
  }

  /** The cache folder name, as huggingface_hub spells it: {@code models--org--name}. */
  String cacheFolderName() {
    return "models--" + repoId.replace("/", "--");
  }

  @Override
  public String toString() {
    return repoId + "@" + revision;
  }

  private static String problem(String text) {
    if (text == null || text.isEmpty()) {
      return "it is empty";
    }
    int at = text.indexOf('@');
    String repo = at < 0 ? text : text.substring(0, at);
    if (at >= 0 && !validRevision(text.substring(at + 1))) {
      return "the revision after '@' must be a branch, tag or commit hash (letters, digits, '_', '-', '.', '/')";
    }
    String[] parts = repo.split("/", -1);
    if (parts.length != 2) {
      return "it needs exactly one '/' between organisation and name";
    }
    if (repo.length() > MAX_REPO_ID_LENGTH) {
      return "it is longer than " + MAX_REPO_ID_LENGTH + " characters";
    }
    for (String part : parts) {
      if (!NAME_PART.matcher(part).matches() || part.contains("--") || part.contains("..")) {
        return "\"" + part + "\" may hold only letters, digits, '_', '-' and '.' (not at either end, never doubled)";
      }
    }
    return null;
  }

  private static boolean validRevision(String revision) {
    if (!REVISION.matcher(revision).matches() || revision.startsWith("/") || revision.endsWith("/")) {
      return false;
    }
    for (String segment : revision.split("/", -1)) {
      // The revision names a file under refs/: no segment may climb out of it.
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }
}
