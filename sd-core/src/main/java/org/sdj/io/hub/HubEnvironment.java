package org.sdj.io.hub;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one place that reads huggingface_hub's environment variables, with huggingface_hub's precedence, so that sdj
 * and Python tools share one cache and one configuration.
 */
final class HubEnvironment {
  static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

  private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

  private final Map<String, String> env;

  HubEnvironment(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** {@code HF_HUB_CACHE}, else legacy {@code HUGGINGFACE_HUB_CACHE}, else {@code HF_HOME/hub}. */
  Path cacheDir() {
    return get("HF_HUB_CACHE").or(() -> get("HUGGINGFACE_HUB_CACHE")).map(this::expandHome)
        .orElseGet(() -> home().resolve("hub"));
  }

  /** {@code HF_ENDPOINT} without trailing slashes, else https://huggingface.co. */
  URI endpoint() {
    return get("HF_ENDPOINT").map(HubEnvironment::stripTrailingSlashes).map(URI::create).orElse(DEFAULT_ENDPOINT);
  }

  /** {@code HF_TOKEN}, sent as {@code Authorization: Bearer}. */
  Optional<String> token() {
    return get("HF_TOKEN").map(String::strip).filter(t -> !t.isEmpty());
  }

  /** {@code HF_HUB_OFFLINE} (or transformers' {@code TRANSFORMERS_OFFLINE}) set to 1, ON, YES or TRUE. */
  boolean offline() {
    return isTrue("HF_HUB_OFFLINE") || isTrue("TRANSFORMERS_OFFLINE");
  }

  /** {@code HF_HOME}, else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}. */
  private Path home() {
    return get("HF_HOME").map(this::expandHome)
        .orElseGet(() -> get("XDG_CACHE_HOME").map(this::expandHome).orElseGet(() -> userHome().resolve(".cache"))
            .resolve("huggingface"));
  }

  private Path expandHome(String path) {
    if (path.equals("~")) {
      return userHome();
    }
    return path.startsWith("~/") ? userHome().resolve(path.substring(2)) : Path.of(path);
  }

  private Path userHome() {
    return Path.of(get("HOME").orElseGet(() -> System.getProperty("user.home")));
  }

  private boolean isTrue(String name) {
    return get(name).map(v -> TRUE_VALUES.contains(v.strip().toUpperCase(Locale.ROOT))).orElse(false);
  }

  private Optional<String> get(String name) {
    return Optional.ofNullable(env.get(name)).filter(v -> !v.isEmpty());
  }

  private static String stripTrailingSlashes(String url) {
    String result = url.strip();
    while (result.endsWith("/")) {
      result = result.substring(0, result.length() - 1);
    }
    return result;
  }
}
