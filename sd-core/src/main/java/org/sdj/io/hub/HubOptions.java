package org.sdj.io.hub;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How {@link HubModel#resolve} finds and downloads a model. Defaults come from huggingface_hub's environment variables
 * ({@code HF_HUB_CACHE} / {@code HF_HOME}, {@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code HF_HUB_OFFLINE}), so the cache
 * is shared with Python tools.
 *
 * @param variant weights variant such as {@code fp16} ({@code *.fp16.safetensors}); empty for the plain weights.
 *     Components without the variant fall back to their plain weights.
 * @param cacheDir the hub cache folder, holding {@code models--org--name/}
 * @param endpoint the Hub's base URL, e.g. {@code https://huggingface.co}
 * @param token access token for gated or private models, sent as {@code Authorization: Bearer}
 * @param offline never touch the network; only cached models resolve
 * @param listener receives download progress
 * @param timeout limit for connecting, for each response's headers, and for each pause while reading a body
 */
public record HubOptions(
    Optional<String> variant,
    Path cacheDir,
    URI endpoint,
    Optional<String> token,
    boolean offline,
    DownloadListener listener,
    Duration timeout) {
  private static final Pattern VARIANT = Pattern.compile("[A-Za-z0-9_]+");
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public HubOptions {
    Objects.requireNonNull(variant, "variant");
    Objects.requireNonNull(cacheDir, "cacheDir");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(timeout, "timeout");
    variant.ifPresent(
        v -> {
          if (!VARIANT.matcher(v).matches()) {
            throw new IllegalArgumentException(
                "variant \"" + v + "\" must be letters, digits or '_' (e.g. fp16); leave it empty for plain weights");
          }
        });
    String scheme = endpoint.getScheme();
    if (!("http".equals(scheme) || "https".equals(scheme)) || endpoint.getHost() == null) {
      throw new IllegalArgumentException("endpoint " + endpoint + " must be an http(s) URL such as https://huggingface.co");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
  }

  /** Like the record's own, but never shows the token. */
  @Override
  public String toString() {
    return "HubOptions[variant=" + variant.orElse("(plain)") + ", cacheDir=" + cacheDir + ", endpoint=" + endpoint
        + ", token=" + (token.isPresent() ? "(set)" : "(none)") + ", offline=" + offline + ", timeout=" + timeout
        + "]";
  }

  /** Options with every default taken from this process's environment. */
  public static HubOptions defaults() {
    return builder().build();
  }

  /** A builder whose defaults come from this process's environment variables. */
  public static Builder builder() {
    return builder(System.getenv());
  }

  /**
   * A builder whose defaults come from {@code environment} instead of the process's variables (for tests and
   * embedding applications). {@code HOME} in it stands for the user's home folder.
   */
  public static Builder builder(Map<String, String> environment) {
    return new Builder(new HubEnvironment(Objects.requireNonNull(environment, "environment")));
  }

  /** Starts from these options. */
  public Builder toBuilder() {
    Builder builder = new Builder(new HubEnvironment(Map.of()));
    builder.variant = variant;
    builder.cacheDir = cacheDir;
    builder.endpoint = endpoint;
    builder.token = token;
    builder.offline = offline;
    builder.listener = listener;
    builder.timeout = timeout;
    return builder;
  }

  /** Builds {@link HubOptions}; every setting is optional. */
  public static final class Builder {
    private Optional<String> variant = Optional.empty();
    private Path cacheDir;
    private URI endpoint;
    private Optional<String> token;
    private boolean offline;
    private DownloadListener listener = DownloadListener.NONE;
    private Duration timeout = DEFAULT_TIMEOUT;

    private Builder(HubEnvironment environment) {
      cacheDir = environment.cacheDir();
      endpoint = environment.endpoint();
      token = environment.token();
      offline = environment.offline();
    }

    /** Prefer the {@code variant} weights, e.g. {@code fp16}. */
    public Builder variant(String variant) {
      this.variant = Optional.of(Objects.requireNonNull(variant, "variant"));
      return this;
    }

    /** Use the plain weights (the default). */
    public Builder plainWeights() {
      this.variant = Optional.empty();
      return this;
    }

    public Builder cacheDir(Path cacheDir) {
      this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
      return this;
    }

    public Builder endpoint(URI endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      return this;
    }

    public Builder token(String token) {
      this.token = Optional.of(Objects.requireNonNull(token, "token"));
      return this;
    }

    /** Send no token, even if {@code HF_TOKEN} is set. */
    public Builder noToken() {
      this.token = Optional.empty();
      return this;
    }

    public Builder offline(boolean offline) {
      this.offline = offline;
      return this;
    }

    public Builder listener(DownloadListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    public HubOptions build() {
      return new HubOptions(variant, cacheDir, endpoint, token, offline, listener, timeout);
    }
  }
}
