package org.sdj.io.model;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to load a diffusers folder.
 *
 * @param variant which weight files to prefer, as diffusers' {@code variant=}: with {@code "fp16"}, a component's
 *     {@code *.fp16.safetensors} (or {@code *.safetensors.index.fp16.json}) is read when it has one, its plain weights
 *     otherwise; empty reads the plain weights
 */
public record LoadOptions(Optional<String> variant) {
  private static final Pattern VARIANT = Pattern.compile("[A-Za-z0-9_-]+");

  public LoadOptions {
    variant.ifPresent(v -> {
      if (!VARIANT.matcher(v).matches()) {
        throw new IllegalArgumentException("variant '" + v + "' must be letters, digits, '_' or '-', like fp16");
      }
    });
  }

  /** Plain weights, no variant. */
  public static LoadOptions defaults() {
    return new LoadOptions(Optional.empty());
  }

  /** These options, preferring the weight files of {@code variant} (e.g. {@code "fp16"}). */
  public LoadOptions withVariant(String variant) {
    return new LoadOptions(Optional.of(variant));
  }
}
